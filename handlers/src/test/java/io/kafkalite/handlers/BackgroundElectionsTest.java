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

class BackgroundElectionsTest {
    private static final Map<Integer, BrokerRegistration> BROKERS = Map.of(
            1, new BrokerRegistration(1, 1, Map.of(), null, false, false),
            2, new BrokerRegistration(2, 1, Map.of(), null, false, false),
            3, new BrokerRegistration(3, 1, Map.of(), null, true, false));

    private static PartitionState led(List<Integer> replicas, int leader, List<Integer> isr) {
        return new PartitionState(replicas, leader, 1, isr, List.of(), 1, List.of(), List.of());
    }

    private static MetadataImage image(TopicImage... topics) {
        Map<String, TopicImage> byName = new java.util.HashMap<>();
        Map<Uuid, String> names = new java.util.HashMap<>();
        for (TopicImage t : topics) {
            byName.put(t.name(), t);
            names.put(t.id(), t.name());
        }
        return new MetadataImage(10, "c", BROKERS, byName, names, 0);
    }

    @Test
    void preferredElectionOnlyWhereThePreferredReplicaCouldLead() {
        Uuid id = Uuid.randomUuid();
        MetadataImage image = image(new TopicImage("t", id, Map.of(), List.of(
                led(List.of(1, 2, 3), 1, List.of(1, 2, 3)),   // balanced
                led(List.of(2, 1, 3), 1, List.of(1, 2, 3)),   // 2 could lead: imbalanced
                led(List.of(3, 1, 2), 1, List.of(1, 2, 3)),   // 3 is fenced
                led(List.of(2, 3, 1), 3, List.of(3, 1)))));   // 2 not in the ISR
        assertEquals(Map.of(id, List.of(1)), BackgroundElections.imbalanced(image, 100));
        assertEquals(Map.of(), BackgroundElections.imbalanced(image, 0));
    }

    @Test
    void uncleanElectionOnlyForLeaderlessPartitionsOfTopicsThatAllowIt() {
        Uuid allowed = Uuid.randomUuid();
        Uuid refused = Uuid.randomUuid();
        MetadataImage image = image(
                new TopicImage("allowed", allowed, Map.of("unclean.leader.election.enable", "true"), List.of(
                        led(List.of(3, 2), -1, List.of(3)),    // leaderless, 2 is alive: elect
                        led(List.of(3), -1, List.of(3)),       // leaderless, nobody alive
                        led(List.of(1, 2), 1, List.of(1)))),   // has a leader
                new TopicImage("refused", refused, Map.of(), List.of(led(List.of(3, 2), -1, List.of(3)))));
        assertEquals(Map.of(allowed, List.of(0)), BackgroundElections.leaderless(image,
                t -> "true".equals(t.configs().get("unclean.leader.election.enable")), 100));
    }
}
