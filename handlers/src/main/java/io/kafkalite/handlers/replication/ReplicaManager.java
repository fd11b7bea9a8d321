package io.kafkalite.handlers.replication;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.replica.ClientMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader side of data replication in cluster mode (Kafka's ReplicaManager and Partition): the followers' progress,
 * the high watermark, ISR changes and acks=all produces, for the partitions whose roles {@link PartitionRoles} takes
 * from the cluster metadata.
 * <ul>
 * <li>Follower fetches record the follower's log end ({@link #followerFetched}); the high watermark is the least
 *     log end of the ISR and moves the parked acks=all produces it passes; a follower that reaches it joins the
 *     ISR through an AlterPartition proposal (one in flight per partition; a refused one waits for the next
 *     image). Every {@code replica.lag.time.max.ms / 2} members that have not caught up for
 *     {@code replica.lag.time.max.ms} are proposed out.</li>
 * </ul>
 * Parked produces complete on the thread that moved the high watermark: a request-handler thread (a follower's
 * fetch, a leader's append), the transaction coordinator's (a marker's append), the replica-state thread (a role or
 * ISR change) or the timer; never a network thread.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    /** Parked acks=all produces at most (each connection has at most one request in flight, so this is a safety net). */
    static final int MAX_PARKED_PRODUCES = 50_000;

    private final LogStore store;
    private final MetadataQuorum quorum;
    private final int nodeId;
    private final long maxLagMs;
    private final LongSupplier clock;
    private final DelayedProduces produces;
    private final ReadReplicaSelection readReplicas;
    private final ScheduledThreadPoolExecutor stateThread;
    private final PartitionRoles roles;
    private volatile boolean closed;

    /** @param registered whether an image holds this run of the broker registered and unfenced */
    public ReplicaManager(LogStore store, MetadataQuorum quorum, int nodeId, BrokerConfig config, ReplicaFetcherManager fetchers,
                          Predicate<MetadataImage> registered) {
        this(store, quorum, nodeId, lagTimeMaxMs(config), fetchers, System::currentTimeMillis, MAX_PARKED_PRODUCES, registered,
                ReadReplicaSelection.load(config));
    }

    ReplicaManager(LogStore store, MetadataQuorum quorum, int nodeId, long maxLagMs, PartitionRoles.Fetchers fetchers,
                   LongSupplier clock, int maxParked, Predicate<MetadataImage> registered, ReadReplicaSelection readReplicas) {
        this.store = store;
        this.readReplicas = readReplicas;
        this.quorum = quorum;
        this.nodeId = nodeId;
        this.maxLagMs = maxLagMs;
        this.clock = clock;
        this.stateThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "replica-state");
            t.setDaemon(true);
            return t;
        });
        stateThread.setRemoveOnCancelPolicy(true); // timeouts of completed produces leave the queue at once
        this.produces = new DelayedProduces(stateThread, maxParked);
        this.roles = new PartitionRoles(store, quorum, nodeId, fetchers, clock, registered, this::maybeAdvanceHighWatermark,
                r -> failParked(r, Errors.NOT_LEADER_OR_FOLLOWER), this::runOnStateThread);
    }

    private static long lagTimeMaxMs(BrokerConfig config) {
        Object v = config.value(REPLICA_LAG_TIME_MAX_MS);
        return v == null ? 30_000L : ((Number) v).longValue();
    }

    /**
     * {@code listener} hears of each partition whose role or leader epoch changed here (on the replica-state thread), so
     * fetches parked on it are answered at once (Kafka's DelayedFetch cases A and E).
     */
    public void addRoleListener(Consumer<TopicPartition> listener) {
        roles.addRoleListener(listener);
    }

    public void start() {
        store.addAppendListener(this::appended);
        quorum.subscribe(roles::onImage);
        roles.onImage(quorum.image());
        long period = Math.max(1, maxLagMs / 2);
        stateThread.scheduleWithFixedDelay(this::shrinkLaggingIsrs, period, period, TimeUnit.MILLISECONDS);
    }

    /** This broker's registration changed (it registered): the latest image may now be one to act on. */
    public void registrationChanged() {
        roles.onImage(quorum.image());
    }

    /**
     * The topic reconciler created (or grew, or replaced) {@code topic}'s logs: the roles that waited for them are
     * taken now (any thread).
     */
    public void logsCreated(String topic) {
        roles.logsCreated(topic);
    }

    @Override
    public void close() {
        closed = true;
        stateThread.shutdownNow();
        roles.all().forEach(r -> failParked(r, Errors.NOT_LEADER_OR_FOLLOWER));
        roles.close();
        readReplicas.close();
    }

    private void runOnStateThread(Runnable task) {
        try {
            stateThread.execute(task);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    // ---- the high watermark and the ISR ----

    /** Moves the leader's high watermark to what the ISR allows and completes the produces it passes. */
    private void maybeAdvanceHighWatermark(PartitionReplication r) {
        long bound = r.highWatermarkBound(r.log.logEndOffset());
        // as Kafka (KIP-966): not while the ISR is below min.insync.replicas, so that a record a consumer saw is on
        // every eligible leader replica
        if (bound > r.log.highWatermark() && r.isr().size() >= minIsr(r.log, r)) {
            store.updateHighWatermark(r.log, bound); // wakes the consumers' fetches waiting for it
        }
        completeReached(r);
    }

    private void completeReached(PartitionReplication r) {
        produces.completeReached(r, r.log.highWatermark());
    }

    private void failParked(PartitionReplication r, Errors error) {
        produces.failAll(r, error);
    }

    private boolean eligibleForIsr(int brokerId) {
        BrokerRegistration b = quorum.image().broker(brokerId);
        return b != null && !b.fenced() && !b.shuttingDown();
    }

    /** Proposes {@code next} as the ISR of {@code r} unless a proposal is in flight. */
    private void proposeIsr(PartitionReplication r, List<Integer> next) {
        if (!r.propose(next)) {
            return;
        }
        log.info("{}: proposing ISR {} (was {})", r.tp, next, r.isr());
        CompletableFuture<MetadataQuorum.ApplyResult> result;
        try {
            result = quorum.submit(new MetadataRecord.AlterPartition(r.topicId, r.tp.partition(), nodeId, r.leaderEpoch(),
                    r.partitionEpoch(), next));
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((applied, e) -> {
            if (e != null || applied.error() != Errors.NONE) {
                log.debug("{}: ISR change to {} not applied: {}", r.tp, next, e != null ? e.toString() : applied.error());
                runOnStateThread(() -> r.proposalFailed(next)); // after the images already handed over
            }
        });
    }

    /** Every replica.lag.time.max.ms / 2: followers that stopped catching up leave the ISR. */
    void shrinkLaggingIsrs() {
        long now = clock.getAsLong();
        for (PartitionReplication r : roles.all()) {
            List<Integer> next = r.shrinkage(r.log.logEndOffset(), now, maxLagMs);
            if (next != null) {
                proposeIsr(r, next);
            }
        }
    }

    // ---- what the handlers ask ----

    /**
     * Kafka's check of a request that must reach the leader: FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH for a
     * {@code currentLeaderEpoch} (-1: none) below / above ours, NOT_LEADER_OR_FOLLOWER unless this node leads.
     */
    public Errors leaderError(TopicPartition tp, int currentLeaderEpoch) {
        PartitionReplication r = roles.get(tp);
        return r == null ? Errors.NOT_LEADER_OR_FOLLOWER : r.leaderError(currentLeaderEpoch);
    }

    /**
     * A produce's partitions (each by topic name, or by id when the name is empty), before their append: a future that
     * completes once this node took the leader roles the latest image gives it for any of them (at most
     * {@link PartitionRoles#ROLE_WAIT_MS}), or null if none is pending. Answering NOT_LEADER_OR_FOLLOWER in that
     * window (the image is applied, the replica-state thread has not reconciled it yet, while other nodes already
     * name this one the leader) lets an idempotent producer's next pipelined batch be appended first, as the first
     * batch of an unknown producer: its retried first batch is then out of sequence for good. The connection answers
     * one request at a time, so its later requests wait behind this one.
     */
    public CompletableFuture<Void> awaitLeaderRoles(Collection<TopicIdPartition> produced) {
        return roles.awaitLeaderRoles(produced);
    }

    /** The leader epoch this node knows for {@code tp}, -1 if it holds no replica. */
    public int leaderEpoch(TopicPartition tp) {
        PartitionReplication r = roles.get(tp);
        return r == null ? -1 : r.leaderEpoch();
    }

    /**
     * A partition's state in the latest image (KIP-951 hints: its leader and epoch), its topic named by name or, when
     * the name is empty, by id; null if the image does not know it.
     */
    PartitionState partitionState(String topic, Uuid id, int partition) {
        MetadataImage image = quorum.image();
        TopicImage t = LeaderHints.named(topic) ? image.topic(topic) : image.topic(id);
        return t == null ? null : t.partition(partition);
    }

    /** A broker's registration in the latest image, null if unknown. */
    BrokerRegistration broker(int id) {
        return quorum.image().broker(id);
    }

    /** acks=all, before the append: NOT_ENOUGH_REPLICAS when the ISR is smaller than {@code min.insync.replicas}. */
    public Errors enoughReplicas(PartitionLog plog) {
        PartitionReplication r = roles.get(plog.topicPartition());
        if (r == null || !r.isLeader()) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        return r.isr().size() < minIsr(plog, r) ? Errors.NOT_ENOUGH_REPLICAS : Errors.NONE;
    }

    /** The effective min.insync.replicas of a partition this node leads (see {@link PartitionReplication#effectiveMinIsr}). */
    public int minIsr(PartitionLog plog) {
        PartitionReplication r = roles.get(plog.topicPartition());
        return r == null ? plog.config().intValue("min.insync.replicas") : minIsr(plog, r);
    }

    private static int minIsr(PartitionLog plog, PartitionReplication r) {
        return r.effectiveMinIsr(plog.config().intValue("min.insync.replicas"));
    }

    /**
     * After any append to a partition this node leads (a produce, a transaction marker; the log store calls it on
     * the appending thread): with no follower behind (or none in the ISR) the high watermark moves.
     */
    private void appended(TopicPartition tp) {
        PartitionReplication r = roles.get(tp);
        if (r != null && r.isLeader()) {
            maybeAdvanceHighWatermark(r);
        }
    }

    /**
     * acks=all: completes with NONE once the high watermark passes {@code lastOffset} (NOT_ENOUGH_REPLICAS_AFTER_APPEND
     * if the ISR then has fewer than min.insync.replicas members), NOT_LEADER_OR_FOLLOWER when leadership is lost (or
     * this node no longer leads at {@code epoch}, the leader epoch of the append: another leader may have replaced
     * those offsets meanwhile), REQUEST_TIMED_OUT after {@code timeoutMs} or when too many produces wait already.
     */
    public CompletableFuture<Errors> awaitReplication(PartitionLog plog, int epoch, long lastOffset, long timeoutMs) {
        PartitionReplication r = roles.get(plog.topicPartition());
        if (r == null) {
            return CompletableFuture.completedFuture(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        return produces.await(r, epoch, lastOffset + 1, minIsr(plog, r), timeoutMs);
    }

    /**
     * Whether a client may be told offsets (Kafka's OFFSET_NOT_AVAILABLE rule): not while a new leader's high
     * watermark is still below the start of its epoch.
     */
    public boolean offsetsAvailable(PartitionLog plog) {
        PartitionReplication r = roles.get(plog.topicPartition());
        return r == null || !r.isLeader() || r.leaderEpochStartOffset() <= plog.highWatermark();
    }

    /** Parked acks=all produces right now. */
    int parkedProduces() {
        return produces.parked();
    }

    /** NONE if {@code replicaId} is a follower of {@code tp} that this node leads, else NOT_LEADER_OR_FOLLOWER. */
    public Errors followerError(TopicPartition tp, int replicaId, int currentLeaderEpoch) {
        PartitionReplication r = roles.get(tp);
        if (r == null) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        Errors e = r.leaderError(currentLeaderEpoch);
        return e != Errors.NONE ? e : r.follower(replicaId) == null ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.NONE;
    }

    /**
     * Follower {@code replicaId} fetched {@code tp} at {@code fetchOffset} (read successfully): its log end is that
     * offset; the high watermark may move (completing parked produces) and the follower may join the ISR.
     */
    public void followerFetched(PartitionLog plog, int replicaId, long fetchOffset) {
        PartitionReplication r = roles.get(plog.topicPartition());
        if (r == null || !r.followerFetched(replicaId, fetchOffset, plog.logEndOffset(), clock.getAsLong())) {
            return;
        }
        maybeAdvanceHighWatermark(r);
        List<Integer> next = r.expansion(replicaId, plog.highWatermark(), this::eligibleForIsr);
        if (next != null) {
            proposeIsr(r, next);
        }
    }

    /**
     * KIP-392 on the leader: the follower {@code client} should fetch {@code plog} from at {@code fetchOffset}, as
     * {@code replica.selector.class} chooses ({@link ReadReplicaSelection}); -1 to read here.
     */
    public int preferredReadReplica(PartitionLog plog, long fetchOffset, ClientMetadata client) {
        PartitionReplication r = roles.get(plog.topicPartition());
        return r == null ? -1
                : readReplicas.select(r, nodeId, quorum.image(), fetchOffset, plog.logStartOffset(), client, clock.getAsLong());
    }

    /**
     * KIP-392: a consumer's fetch with client metadata (v11+) may read any replica this node holds, leader or follower
     * (Kafka's fetchOnlyLeader is false for it): only the leader-epoch check, else NOT_LEADER_OR_FOLLOWER.
     */
    public Errors replicaError(TopicPartition tp, int currentLeaderEpoch) {
        PartitionReplication r = roles.get(tp);
        return r == null ? Errors.NOT_LEADER_OR_FOLLOWER : r.epochError(currentLeaderEpoch);
    }

    /** For tests: returns once the replica-state thread has done what was handed to it before. */
    void awaitStateThread() throws Exception {
        stateThread.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    /** Package-private for tests. */
    PartitionReplication replication(TopicPartition tp) {
        return roles.get(tp);
    }
}
