package io.kafkalite.handlers.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.groups.CommittedOffset;
import io.kafkalite.logstore.LogStore;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConsumerLagTest {
    final LogStore store = LogStore.inMemory(Map.of());

    @AfterEach
    void close() {
        store.close();
    }

    private static CommittedOffset at(long offset) {
        return new CommittedOffset(offset, -1, "", 0);
    }

    private Map<MetricName, Object> lags(ConsumerLag lag) {
        Map<MetricName, Object> metrics = new HashMap<>();
        lag.addTo(metrics);
        return metrics;
    }

    private static long value(Map<MetricName, Object> metrics, MetricName name) {
        return ((Gauge) metrics.get(name)).getValue();
    }

    @Test
    void lagIsTheHighWatermarkMinusTheCommittedOffsetAndBounded() throws Exception {
        // given: 5 records in t-0, none in t-1 and t-2
        store.createTopic("t", 3, Map.of());
        SimpleRecord[] five = new SimpleRecord[5];
        for (int i = 0; i < 5; i++) {
            five[i] = new SimpleRecord(new byte[1]);
        }
        store.append(store.partition(new TopicPartition("t", 0)), MemoryRecords.withRecords(Compression.NONE, five), 0);
        ConsumerLag lag = new ConsumerLag(null, store, 2); // at most 2 partition gauges
        // when
        lag.update(Map.of("a", Map.of(new TopicPartition("t", 0), at(1), new TopicPartition("t", 1), at(0),
                        new TopicPartition("t", 2), at(0), new TopicPartition("gone", 0), at(3)),
                "b", Map.of(new TopicPartition("t", 0), at(4)), "failed", Errors.COORDINATOR_LOAD_IN_PROGRESS));
        // then: a's two first partitions, all the sums; unknown partitions and failed groups left out
        Map<MetricName, Object> metrics = lags(lag);
        assertEquals(4, metrics.size(), metrics.keySet().toString());
        assertEquals(4, value(metrics, MetricName.of("kafka.server", "GroupMetrics", "ConsumerLag", "group", "a", "topic", "t", "partition", "0")));
        assertEquals(0, value(metrics, MetricName.of("kafka.server", "GroupMetrics", "ConsumerLag", "group", "a", "topic", "t", "partition", "1")));
        assertEquals(4, value(metrics, MetricName.of("kafka.server", "GroupMetrics", "ConsumerLagSum", "group", "a")));
        assertEquals(1, value(metrics, MetricName.of("kafka.server", "GroupMetrics", "ConsumerLagSum", "group", "b")));

        // when: a commits up to the end; b's group is gone
        Object before = metrics.get(MetricName.of("kafka.server", "GroupMetrics", "ConsumerLagSum", "group", "a"));
        lag.update(Map.of("a", Map.of(new TopicPartition("t", 0), at(5))));
        // then: the same gauge object shows the new value, b's are gone
        metrics = lags(lag);
        assertEquals(2, metrics.size(), metrics.keySet().toString());
        assertEquals(before, metrics.get(MetricName.of("kafka.server", "GroupMetrics", "ConsumerLagSum", "group", "a")));
        assertEquals(0, value(metrics, MetricName.of("kafka.server", "GroupMetrics", "ConsumerLagSum", "group", "a")));
    }
}
