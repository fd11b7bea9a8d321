package io.kafkalite.handlers.coordination;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CoordinatorSeatTest {
    private static MetadataImage brokers(Map<Integer, Boolean> fencedById) {
        Map<Integer, BrokerRegistration> brokers = new HashMap<>();
        fencedById.forEach((id, fenced) -> brokers.put(id, new BrokerRegistration(id, id, Map.of(), null, fenced, false)));
        return new MetadataImage(1, "c", brokers, Map.of(), Map.of(), 0);
    }

    @Test
    void theLeaderWhenItIsAnUnfencedBrokerElseTheLowestUnfencedBroker() {
        MetadataImage combined = brokers(Map.of(1, false, 2, false, 3, false));
        assertEquals(2, CoordinatorSeat.holder(combined, 2), "combined voters: the quorum leader");
        MetadataImage split = brokers(Map.of(4, false, 5, false));
        assertEquals(4, CoordinatorSeat.holder(split, 1), "a controller-only leader: the lowest unfenced broker");
        assertEquals(4, CoordinatorSeat.holder(split, -1), "no leader known");
        assertEquals(5, CoordinatorSeat.holder(brokers(Map.of(4, true, 5, false)), 1), "a fenced broker is passed over");
        assertEquals(5, CoordinatorSeat.holder(brokers(Map.of(2, true, 4, true, 5, false)), 2), "a fenced leader too");
        assertEquals(-1, CoordinatorSeat.holder(brokers(Map.of(4, true)), 1));
        assertEquals(-1, CoordinatorSeat.holder(MetadataImage.EMPTY, 1));
    }
}
