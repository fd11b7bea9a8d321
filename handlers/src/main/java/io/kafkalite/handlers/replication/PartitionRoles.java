package io.kafkalite.handlers.replication;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
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
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's role for each partition it holds a replica of, taken from the cluster metadata on the single
 * {@code replica-state} thread (the {@link ReplicaManager}'s).
 * <ul>
 * <li>Every image change is handed from the quorum's apply thread to the replica-state thread (only the latest image
 *     is kept: the apply thread never waits), which reconciles every partition this node is a replica of: a new
 *     leader epoch for this node makes it leader (the log replicated, its epoch started, fetching stopped, the
 *     followers' state reset); another leader makes it a follower (the {@link ReplicaFetcherManager} fetches from it);
 *     a partition this node no longer holds is let go.</li>
 * <li>No role is taken before an image holds this run's registration unfenced ({@code registered}): after a restart
 *     the quorum replays this node's own log first, whose old images may make it leader at an epoch the cluster left
 *     long ago. Until then every partition answers NOT_LEADER_OR_FOLLOWER and nothing is fetched; from then on every
 *     image is safe, as the new registration removed this node from every leadership and ISR (Kafka fences a
 *     restarting broker until its metadata has caught up).</li>
 * <li>A produce for a partition the latest image says this node leads, arriving before the role is taken, waits for
 *     it ({@link #awaitLeaderRoles}).</li>
 * </ul>
 */
final class PartitionRoles {
    private static final Logger log = LoggerFactory.getLogger(PartitionRoles.class);
    private static final long MISSING_LOG_RETRY_MS = 200;
    /** How long a produce waits for this node to take a leader role the latest image gives it. */
    static final long ROLE_WAIT_MS = 3_000;

    /** An image to reconcile, and since when (System.nanoTime) images wait for it. */
    private record Pending(MetadataImage image, long since) { }

    /** What taking a role asks of the follower side: {@link ReplicaFetcherManager} (a recording double in tests). */
    interface Fetchers {
        void follow(TopicPartition tp, Uuid topicId, PartitionLog log, int leaderId, int leaderEpoch);

        void stopFollowing(TopicPartition tp);
    }

    private final LogStore store;
    private final MetadataQuorum quorum;
    private final int nodeId;
    private final Fetchers fetchers;
    private final LongSupplier clock;
    private final Predicate<MetadataImage> registered;
    private final Consumer<PartitionReplication> leads;
    private final Consumer<PartitionReplication> leadsNoMore;
    private final Executor stateThread;
    private final ScheduledExecutorService timer;
    private final Map<TopicPartition, PartitionReplication> partitions = new ConcurrentHashMap<>();
    private final List<Consumer<TopicPartition>> roleListeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Pending> nextImage = new AtomicReference<>();
    private final RoleWaits roleWaits = new RoleWaits();
    /** The last image reconciled (replica-state thread only). */
    private MetadataImage reconciled = MetadataImage.EMPTY;
    /** Whether an image held this run's registration unfenced (replica-state thread only; never goes back). */
    private boolean acting;
    /** Since when a log was missing (replica-state thread only; -1: none). */
    private long missingSince = -1;

    /**
     * @param registered  whether an image holds this run of the broker registered and unfenced
     * @param leads       told of a partition this node leads, at a new epoch or with a new ISR: its high watermark may move
     * @param leadsNoMore told of a partition this node follows or let go: its parked produces fail
     * @param stateThread runs a task on the replica-state thread (nothing once closed)
     */
    PartitionRoles(LogStore store, MetadataQuorum quorum, int nodeId, Fetchers fetchers, LongSupplier clock,
                   Predicate<MetadataImage> registered, Consumer<PartitionReplication> leads,
                   Consumer<PartitionReplication> leadsNoMore, Executor stateThread, ScheduledExecutorService timer) {
        this.store = store;
        this.quorum = quorum;
        this.nodeId = nodeId;
        this.fetchers = fetchers;
        this.clock = clock;
        this.registered = registered;
        this.leads = leads;
        this.leadsNoMore = leadsNoMore;
        this.stateThread = stateThread;
        this.timer = timer;
    }

    /** See {@link ReplicaManager#addRoleListener}. */
    void addRoleListener(Consumer<TopicPartition> listener) {
        roleListeners.add(listener);
    }

    /** The replication state of a partition this node holds, null if none. */
    PartitionReplication get(TopicPartition tp) {
        return partitions.get(tp);
    }

    /** Every partition this node holds. */
    Collection<PartitionReplication> all() {
        return partitions.values();
    }

    void close() {
        roleWaits.close();
    }

    /** On the quorum's apply thread: keeps only the latest image and wakes the replica-state thread if needed. */
    void onImage(MetadataImage image) {
        long now = System.nanoTime();
        if (nextImage.getAndUpdate(p -> new Pending(image, p == null ? now : p.since())) == null) {
            stateThread.execute(this::reconcileNext);
        }
    }

    private void reconcileNext() {
        Pending p = nextImage.getAndSet(null);
        if (p != null) {
            reconcile(p.image(), p.since());
        }
    }

    /** Brings every partition's role in line with {@code image}, handed over at {@code since}. */
    private void reconcile(MetadataImage image, long since) {
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
                reconcile(tp, t, plog, ps, now, since);
            }
        }
        for (TopicPartition tp : List.copyOf(partitions.keySet())) {
            if (!held.contains(tp)) {
                stop(tp);
            }
        }
        if (missing) {
            reconciled = MetadataImage.EMPTY; // look at every partition again
            missingSince = missingSince < 0 ? since : missingSince;
            timer.schedule(() -> {
                // the latest image, never the one that missed the log: a newer one may have been reconciled since
                if (nextImage.compareAndSet(null, new Pending(quorum.image(), missingSince))) {
                    reconcileNext();
                }
            }, MISSING_LOG_RETRY_MS, TimeUnit.MILLISECONDS);
        } else {
            missingSince = -1;
            roleWaits.rolesTaken(image.appliedIndex());
        }
    }

    private void reconcile(TopicPartition tp, TopicImage t, PartitionLog plog, PartitionState ps, long now, long since) {
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
            log.info("{}: leader at epoch {}, ISR {} ({} ms after the image named it)", tp, ps.leaderEpoch(), ps.isr(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
            leads.accept(r);
            roleListeners.forEach(l -> l.accept(tp));
        } else if (r.becomesFollower(ps)) {
            plog.becomeFollower(ps.leaderEpoch());
            r.becameFollower(ps);
            leadsNoMore.accept(r);
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
                leads.accept(r); // a smaller ISR may let it move; parked produces see the new ISR
            }
        }
    }

    private void stop(TopicPartition tp) {
        PartitionReplication r = partitions.remove(tp);
        fetchers.stopFollowing(tp);
        if (r != null) {
            leadsNoMore.accept(r);
            roleListeners.forEach(l -> l.accept(tp));
        }
    }

    /** See {@link ReplicaManager#awaitLeaderRoles}. */
    CompletableFuture<Void> awaitLeaderRoles(Collection<TopicIdPartition> produced) {
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
}
