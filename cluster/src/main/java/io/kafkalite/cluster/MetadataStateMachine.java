package io.kafkalite.cluster;

import io.kafkalite.cluster.MetadataQuorum.ApplyResult;
import io.kafkalite.logstore.DurableMap;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.Errors;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.io.MD5Hash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the cluster metadata: applies each committed record with {@link MetadataApplier}
 * (on Ratis' apply thread, in log order), publishes the new image and replies with the apply's outcome.
 * {@link MetadataRecord.DurableMapWrite}s are also written to this node's local durable map; the entry counts as
 * applied (for Ratis' snapshots and for {@link #whenApplied}) once that write committed. Snapshots hold the image
 * and the replicated maps' content ({@link MetadataSnapshot}). The leader answers {@link QuorumQuery}s here.
 */
final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Function<String, DurableMap> maps;
    private final List<Consumer<MetadataImage>> subscribers = new CopyOnWriteArrayList<>();
    private final List<Consumer<Boolean>> leadershipListeners = new CopyOnWriteArrayList<>();
    /** Proposers waiting for an index to be applied here; at most one future per index (bounded by the proposals in flight). */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /** The durable maps written through the log so far (apply thread only): their content goes into snapshots. */
    private Set<String> mapNames = new HashSet<>();
    /** The highest index whose apply (and durable-map write) is complete. */
    private volatile long doneIndex = -1;
    /** Completes when every durable-map write applied so far committed (apply thread only). */
    private CompletableFuture<Void> pendingWrites = CompletableFuture.completedFuture(null);
    private volatile boolean leaderReady;
    /** Bumped when this node becomes ready or loses the leadership, so a late "ready" of a lost term is dropped. */
    private long leaderTerm; // guarded by this
    private volatile HeartbeatListener heartbeatListener = (id, incarnation) -> { };
    private volatile Supplier<String> listenerPeers = () -> "";
    private volatile Supplier<MetadataQuorum.QuorumInfo> describer = () -> {
        throw new IllegalStateException("not started");
    };

    /** The leader's side of broker liveness: told of every heartbeat the quorum leader receives. */
    interface HeartbeatListener {
        void heartbeat(int brokerId, long incarnation);
    }

    MetadataStateMachine(Function<String, DurableMap> maps) {
        this.maps = maps;
    }

    MetadataImage image() {
        return image;
    }

    void subscribe(Consumer<MetadataImage> listener) {
        subscribers.add(listener);
    }

    void onLeadership(Consumer<Boolean> listener) {
        leadershipListeners.add(listener);
    }

    boolean isLeaderReady() {
        return leaderReady;
    }

    void setHeartbeatListener(HeartbeatListener listener) {
        heartbeatListener = listener;
    }

    /** What the leader answers to a broker-only node that joins: its listeners ({@link QuorumQuery#encodePeers}). */
    void setListenerPeers(Supplier<String> listenerPeers) {
        this.listenerPeers = listenerPeers;
    }

    /** What the leader answers to DescribeQuorum queries of other nodes. */
    void setDescriber(Supplier<MetadataQuorum.QuorumInfo> describer) {
        this.describer = describer;
    }

    /** Completes (on the apply or LMDB thread) once {@code index} is applied here, durable-map write included. */
    CompletableFuture<Void> whenApplied(long index) {
        if (doneIndex >= index) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = waiters.computeIfAbsent(index, i -> new CompletableFuture<>());
        if (doneIndex >= index && waiters.remove(index, f)) {
            f.complete(null);
        }
        return f;
    }

    private void markDone(long index) {
        doneIndex = Math.max(doneIndex, index);
        for (var e : waiters.headMap(index, true).entrySet()) {
            if (waiters.remove(e.getKey(), e.getValue())) {
                e.getValue().complete(null);
            }
        }
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatestSnapshot();
    }

    @Override
    public void reinitialize() throws IOException {
        loadLatestSnapshot(); // after a snapshot was installed from the leader
    }

    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        MD5Hash md5 = snapshot.getFile().getFileDigest();
        if (md5 != null) {
            MD5FileUtil.verifySavedMD5(file.toFile(), md5);
        }
        MetadataSnapshot.Loaded loaded = MetadataSnapshot.read(file, maps);
        updateLastAppliedTermIndex(snapshot.getTermIndex());
        pendingWrites = CompletableFuture.completedFuture(null);
        mapNames = new HashSet<>(loaded.mapNames());
        publish(loaded.image());
        markDone(snapshot.getIndex());
        log.info("Loaded the cluster metadata snapshot at index {} ({} brokers, {} topics)", snapshot.getIndex(),
                loaded.image().brokers().size(), loaded.image().topics().size());
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public long takeSnapshot() throws IOException {
        // on the apply thread: nothing applies meanwhile; the tables must hold every write applied so far
        try {
            pendingWrites.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for durable-map writes before a snapshot", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause()); // not expected: writes log their failures and complete
        }
        TermIndex last = getLastAppliedTermIndex();
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        MetadataSnapshot.write(tmp, image, mapNames, maps);
        Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
        log.debug("Took a cluster metadata snapshot at {}", last);
        return last.getIndex();
    }

    /**
     * Applies the records of one log entry in order, all at the entry's index; the reply lists their outcomes once
     * every durable-map write so far committed.
     */
    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        List<byte[]> records;
        try {
            records = MetadataRecordCodec.decodeEntry(entry.getStateMachineLogEntry().getLogData().toByteArray());
        } catch (IllegalArgumentException e) {
            log.error("Cannot read cluster metadata entry {}: skipped", index, e); // alike on every node
            records = List.of();
        }
        List<CompletableFuture<ApplyResult>> outcomes = new ArrayList<>(records.size());
        for (byte[] bytes : records) {
            outcomes.add(apply(index, bytes));
        }
        updateLastAppliedTermIndex(entry.getTerm(), index);
        CompletableFuture<Void> done = pendingWrites;
        done.thenRun(() -> markDone(index));
        return done.thenApply(v -> Message.valueOf(UnsafeByteOperations.unsafeWrap(
                MetadataRecordCodec.encodeResults(outcomes.stream().map(CompletableFuture::join).toList()))));
    }

    /** One record: the next image and, for a durable-map write, the write to this node's table (its outcome when done). */
    private CompletableFuture<ApplyResult> apply(long index, byte[] bytes) {
        MetadataRecord record = null;
        ApplyResult result;
        try {
            record = MetadataRecordCodec.decode(bytes);
            MetadataApplier.Applied applied = MetadataApplier.apply(image, index, record);
            publish(applied.image());
            result = applied.result();
        } catch (RuntimeException e) {
            // deterministic on every node (same bytes, pure applier): the image stays as it was everywhere
            log.error("Cannot apply a record of cluster metadata entry {} ({})", index, record, e);
            result = new ApplyResult(Errors.UNKNOWN_SERVER_ERROR, "Cannot apply " + record + ": " + e, index, -1);
        }
        if (record instanceof MetadataRecord.DurableMapWrite w && result.error() == Errors.NONE) {
            mapNames.add(w.map());
            CompletableFuture<ApplyResult> written = writeLocally(w, result);
            pendingWrites = pendingWrites.thenCombine(written, (a, b) -> null);
            return written;
        }
        return CompletableFuture.completedFuture(result);
    }

    /**
     * The write to this node's table: the entry's outcome, or KAFKA_STORAGE_ERROR if it failed (a failure is logged; it
     * does not stop the log, and an invalid write fails alike on every node).
     */
    private CompletableFuture<ApplyResult> writeLocally(MetadataRecord.DurableMapWrite w, ApplyResult applied) {
        CompletableFuture<Void> write;
        try {
            write = maps.apply(w.map()).write(w.changes());
        } catch (RuntimeException e) {
            write = CompletableFuture.failedFuture(e);
        }
        return write.handle((v, e) -> {
            if (e == null) {
                return applied;
            }
            log.error("Cannot write cluster metadata entry {} to durable map {}", applied.index(), w.map(), e);
            return new ApplyResult(Errors.KAFKA_STORAGE_ERROR, "Cannot write durable map " + w.map() + ": " + e, applied.index(), -1);
        });
    }

    private void publish(MetadataImage next) {
        image = next;
        for (Consumer<MetadataImage> s : subscribers) {
            try {
                s.accept(next);
            } catch (RuntimeException e) {
                log.error("A cluster metadata subscriber failed", e);
            }
        }
    }

    /** {@link QuorumQuery}s: read-only messages that only the leader gets (no log entry). */
    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            ByteBuffer b = request.getContent().asReadOnlyByteBuffer();
            byte type = b.get();
            byte[] reply;
            if (type == QuorumQuery.HEARTBEAT) {
                QuorumQuery.Heartbeat h = QuorumQuery.decodeHeartbeat(b);
                heartbeatListener.heartbeat(h.brokerId(), h.incarnation());
                reply = QuorumQuery.encodeLong(image.appliedIndex());
            } else if (type == QuorumQuery.DESCRIBE) {
                reply = QuorumQuery.encodeInfo(describer.get());
            } else if (type == QuorumQuery.LISTENERS) {
                reply = listenerPeers.get().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            } else {
                throw new IllegalArgumentException("Unknown query type " + type);
            }
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Ratis calls this (on the apply thread) once this leader's first entry applied; the coordinators then load from
     * the local tables, so the listeners hear of it once every earlier durable-map write has committed too.
     */
    @Override
    public void notifyLeaderReady() {
        long term;
        synchronized (this) {
            term = ++leaderTerm;
        }
        pendingWrites.thenRun(() -> {
            synchronized (this) {
                if (term != leaderTerm || leaderReady) {
                    return; // lost it meanwhile
                }
                leaderReady = true;
                log.info("Node {} leads the cluster metadata quorum (everything before its term applied)", getId());
                leadershipListeners.forEach(l -> l.accept(true));
            }
        });
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
        if (!member.getPeerId().equals(newLeader)) {
            lostLeadership();
        }
    }

    @Override
    public void notifyNotLeader(java.util.Collection<TransactionContext> pending) {
        lostLeadership();
    }

    private synchronized void lostLeadership() {
        leaderTerm++;
        if (leaderReady) {
            leaderReady = false;
            leadershipListeners.forEach(l -> l.accept(false));
        }
    }

    @Override
    public void close() throws IOException {
        lostLeadership();
        waiters.values().forEach(f -> f.completeExceptionally(
                new org.apache.kafka.common.errors.NotControllerException("The metadata quorum of this node is closing")));
        waiters.clear();
        super.close();
    }
}
