package io.kafkalite.handlers.coordination;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CoordinatorSeatTest {
    private static MetadataImage brokers(Map<Integer, Boolean> fencedById) {
        Map<Integer, BrokerRegistration> brokers = new HashMap<>();
        fencedById.forEach((id, fenced) -> brokers.put(id, new BrokerRegistration(id, id, Map.of(), null, fenced, false)));
        return new MetadataImage(1, "c", brokers, Map.of(), Map.of(), 0);
    }

    @Test
    void theLeaderWhenVotersAreBrokersElseTheLowestUnfencedBroker() {
        Set<Integer> voters = Set.of(1, 2, 3);
        MetadataImage combined = brokers(Map.of(0, false, 1, false, 2, false, 3, false));
        assertEquals(2, CoordinatorSeat.holder(combined, 2, voters), "combined voters: the quorum leader, never broker-only 0");
        assertEquals(-1, CoordinatorSeat.holder(combined, -1, voters), "combined voters, no leader: none");
        MetadataImage split = brokers(Map.of(4, false, 5, false));
        assertEquals(4, CoordinatorSeat.holder(split, 1, voters), "controller-only voters: the lowest unfenced broker");
        assertEquals(4, CoordinatorSeat.holder(split, -1, voters), "whichever controller leads");
        assertEquals(5, CoordinatorSeat.holder(brokers(Map.of(4, true, 5, false)), 1, voters), "a fenced broker is passed over");
        assertEquals(-1, CoordinatorSeat.holder(brokers(Map.of(4, true)), 1, voters));
        assertEquals(-1, CoordinatorSeat.holder(MetadataImage.EMPTY, 1, voters));
    }
}
