package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode: makes this broker's log store hold the topics of the cluster metadata. Topics are created with the
 * image's topic id (so every broker's copy has the same id), grown, given the image's config overrides, and deleted
 * when the image no longer has them.
 * <p>
 * Runs on a thread of its own ({@code topic-reconciler}), never on the quorum's apply thread: each applied image only
 * replaces the latest one and schedules a pass if none is pending, so a burst of records costs one pass (bounded: at
 * most one pass queued).
 * <p>
 * Destructive steps (deleting a local topic the image does not have, replacing a local topic whose id differs from the
 * image's) wait until {@code caughtUp} says the image is current (this broker's registration is unfenced): while the
 * quorum replays its log after a restart, an old image would otherwise delete data that a later record created.
 */
public final class TopicReconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicReconciler.class);

    private final LogStore store;
    private final MetadataQuorum quorum;
    private final BooleanSupplier caughtUp;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "topic-reconciler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<MetadataImage> latest = new AtomicReference<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile long reconciledIndex = -1;
    private volatile Consumer<String> logsCreated = topic -> { };

    public TopicReconciler(LogStore store, MetadataQuorum quorum, BooleanSupplier caughtUp) {
        this.store = store;
        this.quorum = quorum;
        this.caughtUp = caughtUp;
    }

    /** Follows the quorum from now on, starting with its current image. */
    public void start() {
        quorum.subscribe(this::offer);
        offer(quorum.image());
    }

    /** {@code listener} hears of each topic whose logs were just created, grown or replaced (the partition roles wait for them). */
    public void onLogsCreated(Consumer<String> listener) {
        logsCreated = listener;
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
                if (local == null) {
                    store.createTopic(t.name(), t.id(), t.partitions().size(), t.configs());
                    logsCreated.accept(t.name());
                    continue;
                }
                if (local.partitions() < t.partitions().size()) {
                    store.createPartitions(t.name(), t.partitions().size());
                    logsCreated.accept(t.name());
                }
                if (!local.configs().equals(t.configs())) {
                    store.alterConfigs(t.name(), t.configs());
                }
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
