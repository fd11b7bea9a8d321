package io.kafkalite.handlers;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode, {@code auto.leader.rebalance.enable}: as Kafka's active controller does, the quorum leader checks every
 * {@code leader.imbalance.check.interval.seconds} for partitions not led by their preferred replica (the first) while
 * that replica is in the ISR and its broker is unfenced, and proposes a preferred election for them (at most
 * {@value #MAX_ELECTIONS} per check), so leaderships return to where they were placed after a broker came back.
 * One thread ({@code leader-balancer}); other nodes check nothing.
 */
public final class PreferredLeaderBalancer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PreferredLeaderBalancer.class);
    static final int MAX_ELECTIONS = 1000;

    private final MetadataQuorum quorum;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "leader-balancer");
        t.setDaemon(true);
        return t;
    });

    public PreferredLeaderBalancer(MetadataQuorum quorum) {
        this.quorum = quorum;
    }

    public void start(long intervalMs) {
        thread.scheduleWithFixedDelay(this::check, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            if (!quorum.isLeader()) {
                return;
            }
            Map<Uuid, List<Integer>> imbalanced = imbalanced(quorum.image(), MAX_ELECTIONS);
            if (!imbalanced.isEmpty()) {
                log.info("Electing the preferred leaders of {} partitions", imbalanced.values().stream().mapToInt(List::size).sum());
                quorum.submit(new MetadataRecord.ElectLeaders(true, imbalanced));
            }
        } catch (RuntimeException e) {
            log.warn("Preferred leader balancing failed", e);
        }
    }

    /** Partitions whose preferred replica could lead but does not, by topic id; at most {@code max}. */
    static Map<Uuid, List<Integer>> imbalanced(MetadataImage image, int max) {
        Map<Uuid, List<Integer>> found = new LinkedHashMap<>();
        int count = 0;
        for (TopicImage t : image.topics().values()) {
            for (int p = 0; p < t.partitions().size() && count < max; p++) {
                PartitionState s = t.partitions().get(p);
                int preferred = s.replicas().get(0);
                BrokerRegistration b = image.broker(preferred);
                if (s.leader() != preferred && s.isr().contains(preferred) && b != null && !b.fenced() && !b.shuttingDown()) {
                    found.computeIfAbsent(t.id(), id -> new ArrayList<>()).add(p);
                    count++;
                }
            }
        }
        return found;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
