package io.kafkalite.handlers.replication;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.Topic;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 *     is kept: the apply thread never waits), which looks at the partitions that changed since the last image it
 *     reconciled (the applier keeps the objects of untouched topics and partitions, so an image that changes one
 *     partition costs one partition here, plus a reference check per topic). As Kafka applies a metadata delta, the
 *     leaders come first (the log replicated, its epoch started, fetching stopped, the followers' state reset), then
 *     the followers, then their fetchers ({@link ReplicaFetcherManager}); a partition this node no longer holds is
 *     let go.</li>
 * <li>A partition whose log the topic reconciler has not created yet waits for {@link #logsCreated}, which the topic
 *     reconciler calls as soon as it created a topic's logs.</li>
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
    /** How long a produce waits for this node to take a leader role the latest image gives it. */
    static final long ROLE_WAIT_MS = 3_000;

    /** What taking a role asks of the follower side: {@link ReplicaFetcherManager} (a recording double in tests). */
    interface Fetchers {
        void follow(TopicPartition tp, Uuid topicId, PartitionLog log, int leaderId, int leaderEpoch);

        void stopFollowing(TopicPartition tp);
    }

    /** An image to reconcile, and since when (System.nanoTime) images wait for it. */
    private record Pending(MetadataImage image, long since) { }

    /** A role to take (leader, or else follower): {@code since} (System.nanoTime) the image gave it. */
    private record Change(TopicImage topic, PartitionReplication r, PartitionState state, boolean leader, long since) { }

    private final LogStore store;
    private final MetadataQuorum quorum;
    private final int nodeId;
    private final Fetchers fetchers;
    private final LongSupplier clock;
    private final Predicate<MetadataImage> registered;
    private final Consumer<PartitionReplication> leads;
    private final Consumer<PartitionReplication> leadsNoMore;
    private final Executor stateThread;
    private final Map<TopicPartition, PartitionReplication> partitions = new ConcurrentHashMap<>();
    private final List<Consumer<TopicPartition>> roleListeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<Pending> nextImage = new AtomicReference<>();
    /** Topics whose logs were created since the replica-state thread last looked (at most the image's topics). */
    private final Set<String> created = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean woken = new AtomicBoolean();
    private final RoleWaits roleWaits = new RoleWaits();
    /** The last image reconciled (replica-state thread only). */
    private MetadataImage reconciled = MetadataImage.EMPTY;
    /** Whether an image held this run's registration unfenced (replica-state thread only; never goes back). */
    private boolean acting;
    /** Replicas of {@code reconciled} whose log is not there yet, and since when (replica-state thread only). */
    private final Map<TopicPartition, Long> missing = new HashMap<>();

    /**
     * @param registered  whether an image holds this run of the broker registered and unfenced
     * @param leads       told of a partition this node leads, at a new epoch or with a new ISR: its high watermark may move
     * @param leadsNoMore told of a partition this node follows or let go: its parked produces fail
     * @param stateThread runs a task on the replica-state thread (nothing once closed)
     */
    PartitionRoles(LogStore store, MetadataQuorum quorum, int nodeId, Fetchers fetchers, LongSupplier clock,
                   Predicate<MetadataImage> registered, Consumer<PartitionReplication> leads,
                   Consumer<PartitionReplication> leadsNoMore, Executor stateThread) {
        this.store = store;
        this.quorum = quorum;
        this.nodeId = nodeId;
        this.fetchers = fetchers;
        this.clock = clock;
        this.registered = registered;
        this.leads = leads;
        this.leadsNoMore = leadsNoMore;
        this.stateThread = stateThread;
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
        nextImage.getAndUpdate(p -> new Pending(image, p == null ? now : p.since()));
        wake();
    }

    /** {@code topic}'s logs were created (or grown, or replaced): the roles that waited for them are taken now. */
    void logsCreated(String topic) {
        created.add(topic);
        wake();
    }

    private void wake() {
        if (woken.compareAndSet(false, true)) {
            stateThread.execute(this::work);
        }
    }

    /** On the replica-state thread: the latest image, then the replicas whose logs were created meanwhile. */
    private void work() {
        woken.set(false); // what is handed over from now on wakes this again
        Pending p = nextImage.getAndSet(null);
        if (p != null) {
            reconcile(p.image(), p.since());
        }
        for (Iterator<String> it = created.iterator(); it.hasNext(); ) {
            String topic = it.next();
            it.remove();
            takeMissing(topic);
        }
        if (acting && missing.isEmpty()) {
            roleWaits.rolesTaken(reconciled.appliedIndex());
        }
    }

    /** Takes the roles of the partitions that changed from the last image reconciled to {@code image}. */
    private void reconcile(MetadataImage image, long since) {
        if (!acting) {
            if (!registered.test(image)) {
                return; // maybe an old image replayed from this node's log: no role yet (registrationChanged retries)
            }
            acting = true;
            log.info("Taking partition roles from the cluster metadata at index {}: this broker is registered and unfenced",
                    image.appliedIndex());
        }
        MetadataImage previous = reconciled;
        reconciled = image;
        List<Change> changes = new ArrayList<>();
        ImageChanges.visit(previous, image, new ImageChanges.Visitor() {
            @Override
            public void topicGone(TopicImage old) {
                letGo(old);
            }

            @Override
            public void partitionChanged(TopicImage t, int p, PartitionState state) {
                change(t, p, state, since, changes);
            }
        });
        take(changes);
    }

    /** The topic reconciler created {@code topic}'s logs: takes the roles of its replicas that waited for them. */
    private void takeMissing(String topic) {
        TopicImage t = reconciled.topic(topic);
        if (t == null || missing.isEmpty()) {
            return;
        }
        List<Change> changes = new ArrayList<>();
        for (int p = 0; p < t.partitions().size(); p++) {
            Long since = missing.get(new TopicPartition(topic, p));
            if (since != null) {
                change(t, p, t.partitions().get(p), since, changes);
            }
        }
        take(changes);
    }

    /** Lets go of every partition of a topic gone from the image. */
    private void letGo(TopicImage old) {
        for (int p = 0; p < old.partitions().size(); p++) {
            TopicPartition tp = new TopicPartition(old.name(), p);
            missing.remove(tp);
            stop(tp);
        }
    }

    /** Partition {@code p} of {@code t} is now {@code ps}: a role to take goes to {@code changes}, the rest is done here. */
    private void change(TopicImage t, int p, PartitionState ps, long since, List<Change> changes) {
        TopicPartition tp = new TopicPartition(t.name(), p);
        Long missingSince = missing.remove(tp);
        if (!ps.replicas().contains(nodeId)) {
            stop(tp);
            return;
        }
        Topic local = store.topic(t.name());
        PartitionLog plog = local != null && t.id().equals(local.id()) ? store.partition(tp) : null;
        if (plog == null) {
            missing.put(tp, missingSince != null ? missingSince : since); // until the topic reconciler created it
            return;
        }
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
        boolean leader = r.becomesLeader(ps);
        if (leader || r.becomesFollower(ps)) {
            changes.add(new Change(t, r, ps, leader, missingSince != null ? missingSince : since));
        } else {
            r.update(ps, clock.getAsLong());
            if (r.isLeader()) {
                leads.accept(r); // a smaller ISR may let it move; parked produces see the new ISR
            }
        }
    }

    /** Kafka's order: every leader role first, then the followers', then their fetchers in one go. */
    private void take(List<Change> changes) {
        long now = clock.getAsLong();
        changes.stream().filter(Change::leader).forEach(c -> becomeLeader(c, now));
        List<Change> followers = changes.stream().filter(c -> !c.leader()).toList();
        followers.forEach(this::becomeFollower);
        for (Change c : followers) {
            PartitionState ps = c.state();
            if (ps.hasLeader()) {
                fetchers.follow(c.r().tp, c.topic().id(), c.r().log, ps.leader(), ps.leaderEpoch());
            } else {
                fetchers.stopFollowing(c.r().tp);
            }
        }
    }

    private void becomeLeader(Change c, long now) {
        PartitionReplication r = c.r();
        PartitionState ps = c.state();
        fetchers.stopFollowing(r.tp);
        r.log.becomeLeader(ps.leaderEpoch());
        r.becameLeader(ps, r.log.logEndOffset(), now);
        log.info("{}: leader at epoch {}, ISR {} ({} ms after the image named it)", r.tp, ps.leaderEpoch(), ps.isr(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c.since()));
        leads.accept(r);
        roleListeners.forEach(l -> l.accept(r.tp));
    }

    private void becomeFollower(Change c) {
        PartitionReplication r = c.r();
        PartitionState ps = c.state();
        r.log.becomeFollower(ps.leaderEpoch());
        r.becameFollower(ps);
        leadsNoMore.accept(r);
        roleListeners.forEach(l -> l.accept(r.tp));
        log.info("{}: {} at epoch {}", r.tp, ps.hasLeader() ? "follower of " + ps.leader() : "no leader", ps.leaderEpoch());
    }

    private void stop(TopicPartition tp) {
        PartitionReplication r = partitions.remove(tp);
        if (r != null) {
            fetchers.stopFollowing(tp);
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
