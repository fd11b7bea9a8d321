package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.BrokerRegistration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.junit.jupiter.api.Test;

class ReplicaPlacerTest {
    private static BrokerRegistration broker(int id, String rack) {
        return new BrokerRegistration(id, 1, Map.of(), rack, false, false);
    }

    @Test
    void everyPartitionGetsDistinctReplicasAndLeadersAreSpread() {
        List<BrokerRegistration> brokers = List.of(broker(1, null), broker(2, null), broker(3, null), broker(4, null));
        for (int seed = 0; seed < 20; seed++) {
            List<List<Integer>> placed = new ReplicaPlacer(new Random(seed)).place(brokers, 12, 3);
            assertEquals(12, placed.size());
            Map<Integer, Integer> leaders = new HashMap<>();
            Map<Integer, Integer> replicas = new HashMap<>();
            for (List<Integer> r : placed) {
                assertEquals(3, r.size());
                assertEquals(3, new HashSet<>(r).size(), "distinct replicas: " + r);
                leaders.merge(r.get(0), 1, Integer::sum);
                r.forEach(b -> replicas.merge(b, 1, Integer::sum));
            }
            assertEquals(Map.of(1, 3, 2, 3, 3, 3, 4, 3), leaders, "round robin leaders");
            replicas.values().forEach(c -> assertTrue(c >= 7 && c <= 11, "every broker holds about its share (9): " + replicas));
        }
    }

    @Test
    void replicasSpanEveryRack() {
        List<BrokerRegistration> brokers = List.of(broker(1, "a"), broker(2, "a"), broker(3, "b"), broker(4, "b"),
                broker(5, "c"), broker(6, "c"));
        Map<Integer, String> rackOf = new HashMap<>();
        brokers.forEach(b -> rackOf.put(b.id(), b.rack()));
        for (int seed = 0; seed < 20; seed++) {
            for (List<Integer> r : new ReplicaPlacer(new Random(seed)).place(brokers, 10, 3)) {
                Set<String> racks = new HashSet<>();
                r.forEach(b -> racks.add(rackOf.get(b)));
                assertEquals(Set.of("a", "b", "c"), racks, "replicas " + r);
            }
            // RF 2 over 3 racks: still two racks each
            for (List<Integer> r : new ReplicaPlacer(new Random(seed)).place(brokers, 10, 2)) {
                assertTrue(!rackOf.get(r.get(0)).equals(rackOf.get(r.get(1))), "replicas " + r);
            }
        }
    }

    @Test
    void moreReplicasThanRacksStillDistinct() {
        List<BrokerRegistration> brokers = List.of(broker(1, "a"), broker(2, "a"), broker(3, "b"));
        for (List<Integer> r : new ReplicaPlacer(new Random(7)).place(brokers, 6, 3)) {
            assertEquals(3, new HashSet<>(r).size(), "replicas " + r);
        }
    }

    @Test
    void fencedBrokersGetNothingAndTooFewBrokersIsKafkasError() {
        List<BrokerRegistration> brokers = new ArrayList<>(List.of(broker(1, null), broker(2, null)));
        brokers.add(broker(3, null).withFenced(true));
        for (List<Integer> r : new ReplicaPlacer(new Random(1)).place(brokers, 5, 2)) {
            assertTrue(!r.contains(3), "fenced broker placed: " + r);
        }
        InvalidReplicationFactorException e = assertThrows(InvalidReplicationFactorException.class,
                () -> new ReplicaPlacer().place(brokers, 1, 3));
        assertEquals("Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached "
                + "because only 2 broker(s) are registered.", e.getMessage());
    }
}
