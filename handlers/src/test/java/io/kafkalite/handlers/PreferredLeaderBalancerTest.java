package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class PreferredLeaderBalancerTest {
    private static PartitionState led(List<Integer> replicas, int leader, List<Integer> isr) {
        return new PartitionState(replicas, leader, 1, isr, List.of(), 1, List.of(), List.of());
    }

    @Test
    void onlyPartitionsWhosePreferredReplicaCouldLead() {
        Uuid id = Uuid.randomUuid();
        TopicImage t = new TopicImage("t", id, Map.of(), List.of(
                led(List.of(1, 2, 3), 1, List.of(1, 2, 3)),   // balanced
                led(List.of(2, 1, 3), 1, List.of(1, 2, 3)),   // 2 could lead: imbalanced
                led(List.of(3, 1, 2), 1, List.of(1, 2, 3)),   // 3 is fenced
                led(List.of(2, 3, 1), 3, List.of(3, 1))));    // 2 not in the ISR
        Map<Integer, BrokerRegistration> brokers = Map.of(
                1, new BrokerRegistration(1, 1, Map.of(), null, false, false),
                2, new BrokerRegistration(2, 1, Map.of(), null, false, false),
                3, new BrokerRegistration(3, 1, Map.of(), null, true, false));
        MetadataImage image = new MetadataImage(10, "c", brokers, Map.of("t", t), Map.of(id, "t"), 0);
        assertEquals(Map.of(id, List.of(1)), PreferredLeaderBalancer.imbalanced(image, 100));
        assertEquals(Map.of(), PreferredLeaderBalancer.imbalanced(image, 0));
    }
}
