package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.logstore.DurableMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;

/**
 * A {@link DurableMap} of a cluster node whose writes go through the metadata quorum
 * ({@link MetadataRecord.DurableMapWrite}): every node applies them to its own local table of that name, so the
 * node that coordinates next finds the same content. A write completes once its record is applied here (then the
 * local table holds it); it fails when the quorum does not take it (no leader, timeout, rejected), and then nothing
 * may be acknowledged. Reads are of the local table.
 *
 * <p>A write bigger than {@link #MAX_RECORD_BYTES} (an OffsetCommit of thousands of partitions) is split into
 * several records, proposed in order at once (the quorum applies one proposer's records in submission order); the
 * write completes when all are applied. Such a write is not atomic across its records: its callers put the entries
 * that must survive a partial write first (see {@code OffsetStore.completeTransaction}).
 */
public final class ReplicatedDurableMap implements DurableMap {
    /** At most this many key and value bytes in one record (Ratis' default message limits are far above). */
    static final int MAX_RECORD_BYTES = 1 << 20;

    private final String name;
    private final Supplier<MetadataQuorum> quorum;
    private final DurableMap local;
    private final Function<Throwable, RuntimeException> failure;
    private final BooleanSupplier mayPropose; // the coordinators' tables: only while this node holds the seat
    private final long coordinatorEpoch;

    /**
     * @param local   this node's table of that name, which the quorum's state machine writes into
     * @param failure what a failed write completes with (the coordinators' tables: NOT_COORDINATOR, so clients find
     *                the coordinator again and retry)
     */
    ReplicatedDurableMap(String name, Supplier<MetadataQuorum> quorum, DurableMap local, Function<Throwable, RuntimeException> failure,
                         BooleanSupplier mayPropose, long coordinatorEpoch) {
        this.name = name;
        this.quorum = quorum;
        this.local = local;
        this.failure = failure;
        this.mayPropose = mayPropose;
        this.coordinatorEpoch = coordinatorEpoch;
    }

    /**
     * For the group and transaction coordinators' tables: a failed write answers NOT_COORDINATOR, and a node that does
     * not hold the coordinator seat (any more: {@code seatHere}) proposes nothing. Its records carry {@code coordinatorEpoch}, so one proposed just
     * before the leadership moved is refused when it comes after the successor raised the epoch: a coordinator that
     * lost the leadership cannot write what its successor did not load.
     *
     * @param coordinatorEpoch the {@link MetadataRecord.CoordinatorEpoch} the coordinator using this map was loaded at
     */
    public static ReplicatedDurableMap forCoordinator(String name, Supplier<MetadataQuorum> quorum, DurableMap local, long coordinatorEpoch,
                                                      BooleanSupplier seatHere) {
        return new ReplicatedDurableMap(name, quorum, local,
                e -> new NotCoordinatorException("The coordinator's state could not be replicated: " + e.getMessage(), e), seatHere,
                coordinatorEpoch);
    }

    /** Fails writes with the quorum's own error when it is a Kafka error (NOT_CONTROLLER, REQUEST_TIMED_OUT, ...). */
    public static ReplicatedDurableMap forMetadata(String name, Supplier<MetadataQuorum> quorum, DurableMap local) {
        return new ReplicatedDurableMap(name, quorum, local, e -> e instanceof ApiException api ? api
                : new org.apache.kafka.common.errors.UnknownServerException("The change could not be replicated: " + e, e), () -> true, -1);
    }

    @Override
    public CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes) {
        for (Map.Entry<byte[], byte[]> e : changes) { // refused here, as every node's table would refuse it
            if (e.getKey().length == 0 || e.getKey().length > MAX_KEY_BYTES) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("A key must have 1 to " + MAX_KEY_BYTES
                        + " bytes, not " + e.getKey().length));
            }
        }
        if (changes.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        MetadataQuorum q = quorum.get();
        if (q == null) {
            return CompletableFuture.failedFuture(failure.apply(new org.apache.kafka.common.errors.NotControllerException(
                    "The metadata quorum has not started yet")));
        }
        if (!mayPropose.getAsBoolean()) {
            return CompletableFuture.failedFuture(failure.apply(new IllegalStateException("this node does not hold the coordinator seat")));
        }
        List<CompletableFuture<Void>> applied = new ArrayList<>();
        synchronized (this) { // the records of concurrent writes do not interleave
            for (List<Map.Entry<byte[], byte[]>> part : split(changes)) {
                applied.add(submit(q, part));
            }
        }
        return applied.size() == 1 ? applied.get(0) : CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> submit(MetadataQuorum quorum, List<Map.Entry<byte[], byte[]>> part) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<MetadataQuorum.ApplyResult> submitted;
        try {
            submitted = quorum.submit(new MetadataRecord.DurableMapWrite(name, part, coordinatorEpoch));
        } catch (RuntimeException e) {
            submitted = CompletableFuture.failedFuture(e);
        }
        submitted.whenComplete((result, e) -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause != null) {
                done.completeExceptionally(failure.apply(cause));
            } else if (result.error() != Errors.NONE) {
                done.completeExceptionally(failure.apply(result.error().exception(result.message())));
            } else {
                done.complete(null);
            }
        });
        return done;
    }

    /** The changes in order, cut into records of at most {@link #MAX_RECORD_BYTES} (an entry bigger than that alone). */
    static List<List<Map.Entry<byte[], byte[]>>> split(List<Map.Entry<byte[], byte[]>> changes) {
        List<List<Map.Entry<byte[], byte[]>>> parts = new ArrayList<>();
        List<Map.Entry<byte[], byte[]>> part = new ArrayList<>();
        long bytes = 0;
        for (Map.Entry<byte[], byte[]> e : changes) {
            int size = e.getKey().length + (e.getValue() == null ? 0 : e.getValue().length);
            if (!part.isEmpty() && bytes + size > MAX_RECORD_BYTES) {
                parts.add(part);
                part = new ArrayList<>();
                bytes = 0;
            }
            part.add(e);
            bytes += size;
        }
        parts.add(part);
        return parts;
    }

    @Override
    public void forEach(BiConsumer<byte[], byte[]> action) {
        local.forEach(action);
    }
}
