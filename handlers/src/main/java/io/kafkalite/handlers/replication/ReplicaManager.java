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
import io.kafkalite.logstore.Topic;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * The leader side of data replication in cluster mode (Kafka's ReplicaManager and Partition): each partition's
 * role from the cluster metadata, the followers' progress, the high watermark, ISR changes and acks=all produces.
 * <ul>
 * <li>Roles: every image change is handed from the quorum's apply thread to the single {@code replica-state}
 *     thread (only the latest image is kept: the apply thread never waits), which reconciles every partition
 *     this node is a replica of: a new leader epoch for this node makes it leader (the log replicated, its epoch
 *     started, fetching stopped, the followers' state reset); another leader makes it a follower (the
 *     {@link ReplicaFetcherManager} fetches from it); a partition this node no longer holds is let go.</li>
 * <li>No role is taken before an image holds this run's registration unfenced ({@code registered}): after a restart
 *     the quorum replays this node's own log first, whose old images may make it leader at an epoch the cluster left
 *     long ago. Until then every partition answers NOT_LEADER_OR_FOLLOWER and nothing is fetched; from then on every
 *     image is safe, as the new registration removed this node from every leadership and ISR (Kafka fences a
 *     restarting broker until its metadata has caught up).</li>
 * <li>Follower fetches record the follower's log end ({@link #followerFetched}); the high watermark is the least
 *     log end of the ISR and moves the parked acks=all produces it passes; a follower that reaches it joins the
 *     ISR through an AlterPartition proposal (one in flight per partition; a refused one waits for the next
 *     image). Every {@code replica.lag.time.max.ms / 2} members that have not caught up for
 *     {@code replica.lag.time.max.ms} are proposed out.</li>
 * </ul>
 * Parked produces complete on the thread that moved the high watermark: a request-handler thread (a follower's
 * fetch, a leader's append), the transaction coordinator's (a marker's append), the replica-state thread (an ISR
 * change) or the timer; never a network thread.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    /** Parked acks=all produces at most (each connection has at most one request in flight, so this is a safety net). */
    static final int MAX_PARKED_PRODUCES = 50_000;
    private static final long MISSING_LOG_RETRY_MS = 200;
    /** How long a produce waits for this node to take a leader role the latest image gives it. */
    static final long ROLE_WAIT_MS = 3_000;

    private final LogStore store;
    private final MetadataQuorum quorum;
    private final int nodeId;
    private final long maxLagMs;
    private final Fetchers fetchers;
    private final LongSupplier clock;
    private final Predicate<MetadataImage> registered;
    private final DelayedProduces produces;
    private final ReadReplicaSelection readReplicas;
    private final Map<TopicPartition, PartitionReplication> partitions = new ConcurrentHashMap<>();
    private final List<Consumer<TopicPartition>> roleListeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<MetadataImage> nextImage = new AtomicReference<>();
    private final RoleWaits roleWaits = new RoleWaits();
    private final ScheduledThreadPoolExecutor stateThread;
    /** The last image reconciled (replica-state thread only). */
    private MetadataImage reconciled = MetadataImage.EMPTY;
    /** Whether an image held this run's registration unfenced (replica-state thread only; never goes back). */
    private boolean acting;
    private volatile boolean closed;

    /** What this manager asks of the follower side: {@link ReplicaFetcherManager} (a recording double in tests). */
    interface Fetchers {
        void follow(TopicPartition tp, Uuid topicId, PartitionLog log, int leaderId, int leaderEpoch);

        void stopFollowing(TopicPartition tp);
    }

    /** @param registered whether an image holds this run of the broker registered and unfenced */
    public ReplicaManager(LogStore store, MetadataQuorum quorum, int nodeId, BrokerConfig config, ReplicaFetcherManager fetchers,
                          Predicate<MetadataImage> registered) {
        this(store, quorum, nodeId, lagTimeMaxMs(config), new Fetchers() {
            @Override
            public void follow(TopicPartition tp, Uuid topicId, PartitionLog log, int leaderId, int leaderEpoch) {
                fetchers.follow(tp, topicId, log, leaderId, leaderEpoch);
            }

            @Override
            public void stopFollowing(TopicPartition tp) {
                fetchers.stopFollowing(tp);
            }
        }, System::currentTimeMillis, MAX_PARKED_PRODUCES, registered, ReadReplicaSelection.load(config));
    }

    ReplicaManager(LogStore store, MetadataQuorum quorum, int nodeId, long maxLagMs, Fetchers fetchers,
                   LongSupplier clock, int maxParked, Predicate<MetadataImage> registered, ReadReplicaSelection readReplicas) {
        this.store = store;
        this.readReplicas = readReplicas;
        this.registered = registered;
        this.quorum = quorum;
        this.nodeId = nodeId;
        this.maxLagMs = maxLagMs;
        this.fetchers = fetchers;
        this.clock = clock;
        this.stateThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "replica-state");
            t.setDaemon(true);
            return t;
        });
        stateThread.setRemoveOnCancelPolicy(true); // timeouts of completed produces leave the queue at once
        this.produces = new DelayedProduces(stateThread, maxParked);
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
        roleListeners.add(listener);
    }

    public void start() {
        store.addAppendListener(this::appended);
        quorum.subscribe(this::onImage);
        onImage(quorum.image());
        long period = Math.max(1, maxLagMs / 2);
        stateThread.scheduleWithFixedDelay(this::shrinkLaggingIsrs, period, period, TimeUnit.MILLISECONDS);
    }

    /** This broker's registration changed (it registered): the latest image may now be one to act on. */
    public void registrationChanged() {
        onImage(quorum.image());
    }

    @Override
    public void close() {
        closed = true;
        stateThread.shutdownNow();
        partitions.values().forEach(r -> failParked(r, Errors.NOT_LEADER_OR_FOLLOWER));
        roleWaits.close();
        readReplicas.close();
    }

    // ---- roles, from the images (replica-state thread) ----

    /** On the quorum's apply thread: keeps only the latest image and wakes the replica-state thread if needed. */
    private void onImage(MetadataImage image) {
        if (nextImage.getAndSet(image) == null) {
            runOnStateThread(this::reconcileNext);
        }
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

    private void reconcileNext() {
        MetadataImage image = nextImage.getAndSet(null);
        if (image != null) {
            reconcile(image);
        }
    }

    /** Brings every partition's role in line with {@code image}. Package-private for tests (call on one thread). */
    void reconcile(MetadataImage image) {
        if (!acting) {
            if (!registered.test(image)) {
                return; // maybe an old image replayed from this node's log: no role yet (registrationChanged retries)
            }
            acting = true;
            log.info("Taking partition roles from the cluster metadata at index {}: this broker is registered and unfenced",
                    image.appliedIndex());
        }
        long now = clock.getAsLong();
        MetadataImage previous = reconciled;
        reconciled = image;
        Set<TopicPartition> held = new HashSet<>();
        boolean missing = false;
        for (TopicImage t : image.topics().values()) {
            boolean unchanged = previous.topics().get(t.name()) == t; // untouched topics keep their image object
            for (int p = 0; p < t.partitions().size(); p++) {
                PartitionState ps = t.partitions().get(p);
                if (!ps.replicas().contains(nodeId)) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(t.name(), p);
                PartitionReplication current = partitions.get(tp);
                if (unchanged && current != null) {
                    held.add(tp);
                    continue;
                }
                Topic local = store.topic(t.name());
                PartitionLog plog = local != null && t.id().equals(local.id()) ? store.partition(tp) : null;
                if (plog == null) {
                    missing = true; // the topic reconciler has not created it yet
                    continue;
                }
                held.add(tp);
                reconcile(tp, t, plog, ps, now);
            }
        }
        for (TopicPartition tp : List.copyOf(partitions.keySet())) {
            if (!held.contains(tp)) {
                stop(tp);
            }
        }
        if (missing) {
            reconciled = MetadataImage.EMPTY; // look at every partition again
            stateThread.schedule(() -> {
                // the latest image, never the one that missed the log: a newer one may have been reconciled since
                if (nextImage.compareAndSet(null, quorum.image())) {
                    reconcileNext();
                }
            }, MISSING_LOG_RETRY_MS, TimeUnit.MILLISECONDS);
        } else {
            roleWaits.rolesTaken(image.appliedIndex());
        }
    }

    private void reconcile(TopicPartition tp, TopicImage t, PartitionLog plog, PartitionState ps, long now) {
        PartitionReplication r = partitions.get(tp);
        if (r != null && r.log != plog) { // the topic was re-created under the same name
            stop(tp);
            r = null;
        }
        if (r == null) {
            r = new PartitionReplication(tp, t.id(), plog, nodeId);
            partitions.put(tp, r);
            plog.setReplicated(true);
        }
        if (r.becomesLeader(ps)) {
            fetchers.stopFollowing(tp);
            plog.becomeLeader(ps.leaderEpoch());
            r.becameLeader(ps, plog.logEndOffset(), now);
            log.info("{}: leader at epoch {}, ISR {}", tp, ps.leaderEpoch(), ps.isr());
            maybeAdvanceHighWatermark(r);
            roleListeners.forEach(l -> l.accept(tp));
        } else if (r.becomesFollower(ps)) {
            plog.becomeFollower(ps.leaderEpoch());
            r.becameFollower(ps);
            failParked(r, Errors.NOT_LEADER_OR_FOLLOWER);
            roleListeners.forEach(l -> l.accept(tp));
            if (ps.hasLeader()) {
                log.info("{}: follower of {} at epoch {}", tp, ps.leader(), ps.leaderEpoch());
                fetchers.follow(tp, t.id(), plog, ps.leader(), ps.leaderEpoch());
            } else {
                log.info("{}: no leader at epoch {}", tp, ps.leaderEpoch());
                fetchers.stopFollowing(tp);
            }
        } else {
            r.update(ps, now);
            if (r.isLeader()) {
                maybeAdvanceHighWatermark(r); // a smaller ISR may let it move; parked produces see the new ISR
            }
        }
    }

    private void stop(TopicPartition tp) {
        PartitionReplication r = partitions.remove(tp);
        fetchers.stopFollowing(tp);
        if (r != null) {
            failParked(r, Errors.NOT_LEADER_OR_FOLLOWER);
            roleListeners.forEach(l -> l.accept(tp));
        }
    }

    // ---- the high watermark and the ISR ----

    /** Moves the leader's high watermark to what the ISR allows and completes the produces it passes. */
    private void maybeAdvanceHighWatermark(PartitionReplication r) {
        long bound = r.highWatermarkBound(r.log.logEndOffset());
        if (bound > r.log.highWatermark()) {
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
        for (PartitionReplication r : partitions.values()) {
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
        PartitionReplication r = partitions.get(tp);
        return r == null ? Errors.NOT_LEADER_OR_FOLLOWER : r.leaderError(currentLeaderEpoch);
    }

    /**
     * A produce's partitions (each by topic name, or by id when the name is empty), before their append: a future that completes once this node took the leader roles the latest image gives it for any of
     * them (at most {@link #ROLE_WAIT_MS}), or null if none is pending. Answering NOT_LEADER_OR_FOLLOWER in that
     * window (the image is applied, the replica-state thread has not reconciled it yet, while other nodes already
     * name this one the leader) lets an idempotent producer's next pipelined batch be appended first, as the first
     * batch of an unknown producer: its retried first batch is then out of sequence for good. The connection answers
     * one request at a time, so its later requests wait behind this one.
     */
    public CompletableFuture<Void> awaitLeaderRoles(Collection<TopicIdPartition> produced) {
        MetadataImage image = quorum.image();
        if (roleWaits.taken(image.appliedIndex())) {
            return null;
        }
        for (TopicIdPartition tip : produced) {
            TopicImage t = LeaderHints.named(tip.topic()) ? image.topic(tip.topic()) : image.topic(tip.topicId());
            PartitionState ps = t == null ? null : t.partition(tip.partition());
            if (ps != null && ps.leader() == nodeId) {
                PartitionReplication r = partitions.get(new TopicPartition(t.name(), tip.partition()));
                if (r == null || !r.isLeader() || r.leaderEpoch() < ps.leaderEpoch()) {
                    return roleWaits.await(image.appliedIndex(), ROLE_WAIT_MS);
                }
            }
        }
        return null;
    }

    /** The leader epoch this node knows for {@code tp}, -1 if it holds no replica. */
    public int leaderEpoch(TopicPartition tp) {
        PartitionReplication r = partitions.get(tp);
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
        PartitionReplication r = partitions.get(plog.topicPartition());
        if (r == null || !r.isLeader()) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        return r.isr().size() < minIsr(plog) ? Errors.NOT_ENOUGH_REPLICAS : Errors.NONE;
    }

    private static int minIsr(PartitionLog plog) {
        return plog.config().intValue("min.insync.replicas");
    }

    /**
     * After any append to a partition this node leads (a produce, a transaction marker; the log store calls it on
     * the appending thread): with no follower behind (or none in the ISR) the high watermark moves.
     */
    private void appended(TopicPartition tp) {
        PartitionReplication r = partitions.get(tp);
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
        PartitionReplication r = partitions.get(plog.topicPartition());
        if (r == null) {
            return CompletableFuture.completedFuture(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        return produces.await(r, epoch, lastOffset + 1, minIsr(plog), timeoutMs);
    }

    /**
     * Whether a client may be told offsets (Kafka's OFFSET_NOT_AVAILABLE rule): not while a new leader's high
     * watermark is still below the start of its epoch.
     */
    public boolean offsetsAvailable(PartitionLog plog) {
        PartitionReplication r = partitions.get(plog.topicPartition());
        return r == null || !r.isLeader() || r.leaderEpochStartOffset() <= plog.highWatermark();
    }

    /** Parked acks=all produces right now. */
    int parkedProduces() {
        return produces.parked();
    }

    /** NONE if {@code replicaId} is a follower of {@code tp} that this node leads, else NOT_LEADER_OR_FOLLOWER. */
    public Errors followerError(TopicPartition tp, int replicaId, int currentLeaderEpoch) {
        PartitionReplication r = partitions.get(tp);
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
        PartitionReplication r = partitions.get(plog.topicPartition());
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
        PartitionReplication r = partitions.get(plog.topicPartition());
        return r == null ? -1
                : readReplicas.select(r, nodeId, quorum.image(), fetchOffset, plog.logStartOffset(), client, clock.getAsLong());
    }

    /**
     * KIP-392: a consumer's fetch with client metadata (v11+) may read any replica this node holds, leader or follower
     * (Kafka's fetchOnlyLeader is false for it): only the leader-epoch check, else NOT_LEADER_OR_FOLLOWER.
     */
    public Errors replicaError(TopicPartition tp, int currentLeaderEpoch) {
        PartitionReplication r = partitions.get(tp);
        return r == null ? Errors.NOT_LEADER_OR_FOLLOWER : r.epochError(currentLeaderEpoch);
    }

    /** For tests: returns once the replica-state thread has done what was handed to it before. */
    void awaitStateThread() throws Exception {
        stateThread.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    /** Package-private for tests. */
    PartitionReplication replication(TopicPartition tp) {
        return partitions.get(tp);
    }
}
