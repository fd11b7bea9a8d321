package io.kafkalite.handlers;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.logstore.LogConfig;
import io.kafkalite.logstore.LogStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode: the elections Kafka's active controller makes by itself, made here by the quorum leader on one thread
 * ({@code background-elections}); other nodes check nothing.
 * <ul>
 * <li>{@code auto.leader.rebalance.enable}: every {@code leader.imbalance.check.interval.seconds}, partitions not led by
 *     their preferred replica (the first) while it is in the ISR and unfenced get a preferred election, so leaderships
 *     go back to where they were placed once a broker has returned.</li>
 * <li>{@code unclean.leader.election.enable} (the topic's, else the broker's): a leaderless partition with a live
 *     replica outside the ISR gets an unclean election, after every metadata change (as Kafka elects at once when it
 *     fences the last ISR member) and every {@code unclean.leader.election.interval.ms}.</li>
 * </ul>
 * At most {@value #MAX_ELECTIONS} partitions per proposal; one proposal of each kind in flight.
 */
public final class BackgroundElections implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundElections.class);
    static final int MAX_ELECTIONS = 1000;
    private static final String UNCLEAN = "unclean.leader.election.enable";

    private final MetadataQuorum quorum;
    private final Predicate<TopicImage> uncleanAllowed;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "background-elections");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean uncleanCheckQueued = new AtomicBoolean();
    private final AtomicBoolean preferredInFlight = new AtomicBoolean();
    private final AtomicBoolean uncleanInFlight = new AtomicBoolean();

    /** @param store the broker's topic-config defaults ({@code unclean.leader.election.enable} of topics without one) */
    public BackgroundElections(MetadataQuorum quorum, LogStore store) {
        this(quorum, t -> (Boolean) new LogConfig(store.brokerDefaults(), t.configs()).value(UNCLEAN));
    }

    BackgroundElections(MetadataQuorum quorum, Predicate<TopicImage> uncleanAllowed) {
        this.quorum = quorum;
        this.uncleanAllowed = uncleanAllowed;
    }

    /** @param preferredIntervalMs the preferred-leader check's period; <= 0: {@code auto.leader.rebalance.enable=false} */
    public void start(long preferredIntervalMs, long uncleanIntervalMs) {
        if (preferredIntervalMs > 0) {
            thread.scheduleWithFixedDelay(this::electPreferred, preferredIntervalMs, preferredIntervalMs, TimeUnit.MILLISECONDS);
        }
        thread.scheduleWithFixedDelay(this::electUnclean, uncleanIntervalMs, uncleanIntervalMs, TimeUnit.MILLISECONDS);
        quorum.subscribe(image -> { // the apply thread: only queue one check
            if (quorum.isLeader() && uncleanCheckQueued.compareAndSet(false, true)) {
                try {
                    thread.execute(() -> {
                        uncleanCheckQueued.set(false);
                        electUnclean();
                    });
                } catch (RejectedExecutionException closed) {
                    uncleanCheckQueued.set(false);
                }
            }
        });
    }

    private void electPreferred() {
        propose(true, preferredInFlight);
    }

    private void electUnclean() {
        propose(false, uncleanInFlight);
    }

    private void propose(boolean preferred, AtomicBoolean inFlight) {
        try {
            if (!quorum.isLeader() || inFlight.get()) {
                return;
            }
            MetadataImage image = quorum.image();
            Map<Uuid, List<Integer>> partitions = preferred ? imbalanced(image, MAX_ELECTIONS) : leaderless(image, uncleanAllowed, MAX_ELECTIONS);
            if (partitions.isEmpty()) {
                return;
            }
            log.info("Proposing {} leader elections for {} partitions", preferred ? "preferred" : "unclean",
                    partitions.values().stream().mapToInt(List::size).sum());
            inFlight.set(true);
            quorum.submit(new MetadataRecord.ElectLeaders(preferred, partitions)).whenComplete((r, e) -> inFlight.set(false));
        } catch (RuntimeException e) {
            inFlight.set(false);
            log.warn("Background leader election failed", e);
        }
    }

    /** Partitions whose preferred replica could lead but does not, by topic id; at most {@code max}. */
    static Map<Uuid, List<Integer>> imbalanced(MetadataImage image, int max) {
        return select(image, max, (t, s) -> {
            int preferred = s.replicas().get(0);
            return s.leader() != preferred && s.isr().contains(preferred) && eligible(image, preferred);
        });
    }

    /** Leaderless partitions of topics allowing unclean election that have a live replica to elect; at most {@code max}. */
    static Map<Uuid, List<Integer>> leaderless(MetadataImage image, Predicate<TopicImage> uncleanAllowed, int max) {
        return select(image, max, (t, s) -> !s.hasLeader() && s.replicas().stream().anyMatch(id -> eligible(image, id))
                && uncleanAllowed.test(t));
    }

    private static Map<Uuid, List<Integer>> select(MetadataImage image, int max, java.util.function.BiPredicate<TopicImage, PartitionState> wanted) {
        Map<Uuid, List<Integer>> found = new LinkedHashMap<>();
        int count = 0;
        for (TopicImage t : image.topics().values()) {
            for (int p = 0; p < t.partitions().size() && count < max; p++) {
                if (wanted.test(t, t.partitions().get(p))) {
                    found.computeIfAbsent(t.id(), id -> new ArrayList<>()).add(p);
                    count++;
                }
            }
        }
        return found;
    }

    private static boolean eligible(MetadataImage image, int id) {
        BrokerRegistration b = image.broker(id);
        return b != null && !b.fenced() && !b.shuttingDown();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
