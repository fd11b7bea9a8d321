package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode: makes this broker's log store hold the topics of the cluster metadata. Topics are created with the
 * image's topic id (so every broker's copy has the same id), grown, given the image's config overrides, and deleted
 * when the image no longer has them.
 * <p>
 * Only the partitions whose replicas include this node have a log here, as in Kafka: a reassignment that adds this
 * node creates the partition's log (empty: the replica fetcher fills it from the leader), one that removed it (once
 * complete) deletes it (Kafka's StopReplica with delete). The other partitions exist in the store without a log, so
 * requests for them get NOT_LEADER_OR_FOLLOWER ({@link MissingPartition}).
 * <p>
 * Runs on a thread of its own ({@code topic-reconciler}), never on the quorum's apply thread: each applied image only
 * replaces the latest one and schedules a pass if none is pending, so a burst of records costs one pass (bounded: at
 * most one pass queued).
 * <p>
 * Destructive steps (deleting a local topic the image does not have, replacing a local topic whose id differs from the
 * image's, deleting the log of a partition no longer assigned here) wait until {@code caughtUp} says the image is current (this broker's registration is unfenced): while the
 * quorum replays its log after a restart, an old image would otherwise delete data that a later record created.
 */
public final class TopicReconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicReconciler.class);

    private final LogStore store;
    private final MetadataQuorum quorum;
    private final int nodeId;
    private final BooleanSupplier caughtUp;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "topic-reconciler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<MetadataImage> latest = new AtomicReference<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile long reconciledIndex = -1;

    public TopicReconciler(LogStore store, MetadataQuorum quorum, int nodeId, BooleanSupplier caughtUp) {
        this.store = store;
        this.quorum = quorum;
        this.nodeId = nodeId;
        this.caughtUp = caughtUp;
    }

    /** Follows the quorum from now on, starting with its current image. */
    public void start() {
        quorum.subscribe(this::offer);
        offer(quorum.image());
    }

    /** Looks at the latest image again (this broker's registration changed, so it may now be current). */
    public void recheck() {
        offer(quorum.image());
    }

    /** Called on the apply thread: only hands the image over. */
    private void offer(MetadataImage image) {
        latest.set(image);
        if (scheduled.compareAndSet(false, true)) {
            try {
                thread.execute(this::pass);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                scheduled.set(false);
            }
        }
    }

    private void pass() {
        scheduled.set(false);
        MetadataImage image = latest.get();
        try {
            reconcile(image, caughtUp.getAsBoolean());
            reconciledIndex = image.appliedIndex();
        } catch (RuntimeException e) {
            log.error("Applying the cluster metadata at index {} to the log store failed; retried at the next change", image.appliedIndex(), e);
        }
    }

    /** The applied index of the last image the log store was brought to (tests, and answers that must wait for it). */
    public long reconciledIndex() {
        return reconciledIndex;
    }

    /** One pass: brings the log store to {@code image}. Package-private for tests. */
    void reconcile(MetadataImage image, boolean current) {
        for (TopicImage t : image.topics().values()) {
            Topic local = store.topic(t.name());
            try {
                if (local != null && !local.id().equals(t.id())) {
                    if (!current) {
                        continue; // the image may be older than the local topic: decide once caught up
                    }
                    log.info("Topic {} has id {} here but {} in the cluster metadata: replacing it", t.name(), local.id(), t.id());
                    store.deleteTopic(t.name());
                    local = null;
                }
                Set<Integer> assigned = assignedHere(t);
                if (local == null) {
                    store.createTopic(t.name(), t.id(), t.partitions().size(), t.configs(), assigned);
                    continue;
                }
                if (local.partitions() < t.partitions().size()) {
                    store.createPartitions(t.name(), t.partitions().size(), assigned);
                }
                if (!local.configs().equals(t.configs())) {
                    store.alterConfigs(t.name(), t.configs());
                }
                placeLogs(t, assigned, current);
            } catch (Exception e) {
                log.error("Could not bring topic {} to the cluster metadata's state", t.name(), e);
            }
        }
        if (!current) {
            return;
        }
        for (Topic local : List.copyOf(store.topics())) {
            if (image.topic(local.name()) == null) {
                try {
                    log.info("Deleting topic {} (id {}): the cluster metadata does not have it", local.name(), local.id());
                    store.deleteTopic(local.name());
                } catch (Exception e) {
                    log.error("Could not delete topic {}", local.name(), e);
                }
            }
        }
    }

    /** The partitions of {@code t} whose replicas (during a reassignment: old and new) include this node. */
    private Set<Integer> assignedHere(TopicImage t) {
        Set<Integer> assigned = new HashSet<>();
        for (int p = 0; p < t.partitions().size(); p++) {
            if (t.partitions().get(p).replicas().contains(nodeId)) {
                assigned.add(p);
            }
        }
        return assigned;
    }

    /**
     * Creates the logs of the partitions assigned here that have none (a reassignment added this node) and, once
     * {@code current}, deletes those of partitions no longer assigned here (a completed reassignment removed it).
     */
    private void placeLogs(TopicImage t, Set<Integer> assigned, boolean current) throws IOException {
        for (int p = 0; p < t.partitions().size(); p++) {
            TopicPartition tp = new TopicPartition(t.name(), p);
            boolean hasLog = store.partition(tp) != null;
            if (assigned.contains(p) && !hasLog) {
                store.addLocalPartition(tp);
            } else if (!assigned.contains(p) && hasLog && current) {
                log.info("Deleting the log of {}: this node is no longer one of its replicas {}", tp, t.partitions().get(p).replicas());
                store.deleteLocalPartition(tp);
            }
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
