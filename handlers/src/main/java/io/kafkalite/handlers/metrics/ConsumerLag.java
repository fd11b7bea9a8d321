package io.kafkalite.handlers.metrics;

import io.kafkalite.groups.CommittedOffset;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.GroupCoordinator.OffsetRequest;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer lag per group and partition: the partition's high watermark minus the group's committed offset
 * (0 at least), as kafka-consumer-groups shows it; Kafka itself has no broker-side lag metric, so the names
 * are ours: {@code kafka.server:type=GroupMetrics,name=ConsumerLag,group=,topic=,partition=} and, per group,
 * {@code name=ConsumerLagSum,group=}. Refreshed on the metrics thread from the group coordinator's committed
 * offsets; at most {@code maxPartitions} partition gauges (groups and partitions in name order), the sums always.
 */
final class ConsumerLag {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLag.class);
    private static final String TYPE = "GroupMetrics";

    private final Coordinators coordinators;
    private final LogStore store;
    private final int maxPartitions;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Map<MetricName, Gauge> gauges = Map.of();
    private boolean warned;

    ConsumerLag(Coordinators coordinators, LogStore store, int maxPartitions) {
        this.coordinators = coordinators;
        this.store = store;
        this.maxPartitions = maxPartitions;
    }

    /** Starts a refresh unless one is running; its result is applied on {@code executor} (the metrics thread). */
    void refresh(Executor executor) {
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        GroupCoordinator groups = coordinators.groupsIfActive();
        if (groups == null) { // a cluster broker that does not coordinate now: no groups here
            executor.execute(() -> {
                update(Map.of());
                refreshing.set(false);
            });
            return;
        }
        try {
            groups.listGroups(Set.of(), Set.of())
                    .thenCompose(listed -> groups.fetchOffsets(listed.stream()
                            .map(g -> new OffsetRequest(g.groupId(), null, -1, null, false)).toList()))
                    .whenCompleteAsync((offsets, error) -> {
                        try {
                            if (error == null) {
                                update(offsets);
                            } else {
                                log.debug("Consumer lag not refreshed: {}", error.toString());
                            }
                        } finally {
                            refreshing.set(false);
                        }
                    }, executor);
        } catch (RuntimeException closing) {
            refreshing.set(false);
        }
    }

    @SuppressWarnings("unchecked")
    void update(Map<String, Object> committedByGroup) {
        Map<MetricName, Gauge> previous = gauges;
        Map<MetricName, Gauge> next = new LinkedHashMap<>();
        int partitions = 0;
        boolean truncated = false;
        for (Map.Entry<String, Object> group : new TreeMap<>(committedByGroup).entrySet()) {
            if (!(group.getValue() instanceof Map<?, ?> committed) || committed.isEmpty()) {
                continue;
            }
            Map<TopicPartition, CommittedOffset> sorted = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                    .thenComparingInt(TopicPartition::partition));
            sorted.putAll((Map<TopicPartition, CommittedOffset>) committed);
            long sum = 0;
            for (Map.Entry<TopicPartition, CommittedOffset> e : sorted.entrySet()) {
                PartitionLog partition = store.partition(e.getKey());
                if (partition == null || e.getValue().offset() < 0) {
                    continue;
                }
                long lag = Math.max(0, partition.highWatermark() - e.getValue().offset());
                sum += lag;
                if (partitions >= maxPartitions) {
                    truncated = true;
                    continue;
                }
                partitions++;
                put(previous, next, MetricName.of("kafka.server", TYPE, "ConsumerLag", "group", group.getKey(),
                        "topic", e.getKey().topic(), "partition", Integer.toString(e.getKey().partition())), lag);
            }
            put(previous, next, MetricName.of("kafka.server", TYPE, "ConsumerLagSum", "group", group.getKey()), sum);
        }
        if (truncated && !warned) {
            warned = true;
            log.warn("Consumer lag is shown for the first {} partitions only ({}); the per-group sums cover all",
                    maxPartitions, BrokerMetrics.LAG_MAX_PARTITIONS);
        }
        gauges = next;
    }

    /** Keeps the gauge object a name already had, so what exposes it keeps showing the live value. */
    private static void put(Map<MetricName, Gauge> previous, Map<MetricName, Gauge> next, MetricName name, long value) {
        Gauge g = previous.get(name);
        if (g == null) {
            g = new Gauge();
        }
        g.set(value);
        next.put(name, g);
    }

    void addTo(Map<MetricName, Object> metrics) {
        metrics.putAll(gauges);
    }
}
