package io.kafkalite.handlers.replication;

import static io.kafkalite.handlers.replication.Truncation.truncationOffset;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.handlers.replication.Truncation.Decision;
import org.junit.jupiter.api.Test;

/** Kafka's truncation rule: the follower's cut given the leader's OffsetForLeaderEpoch answer. */
class TruncationTest {
    @Test
    void sameEpochCutsAtTheSmallerEnd() {
        // follower: epoch 3 ends at 120 (its log end); the leader's epoch 3 ended at 100 (it moved to epoch 4 there)
        assertEquals(new Decision(100, true), truncationOffset(3, 100, 3, 120, 120, 90));
        // the leader has more of epoch 3 than we do: nothing to cut, fetch from our end
        assertEquals(new Decision(120, true), truncationOffset(3, 150, 3, 120, 120, 90));
    }

    @Test
    void neverBeyondTheLogEnd() {
        assertEquals(new Decision(80, true), truncationOffset(2, 100, 2, 100, 80, 50));
    }

    @Test
    void theLeaderMayCutBelowTheHighWatermark() {
        // KIP-279: the leader's answer is the truth, even below our high watermark
        assertEquals(new Decision(40, true), truncationOffset(5, 40, 5, 70, 70, 60));
    }

    @Test
    void anEpochWeNeverHadCutsToOurLargestEpochBelowItAndAsksAgain() {
        // we asked for our latest epoch 7; the leader knows 5 at most below it; our largest epoch <= 5 is 4, ending at 60
        assertEquals(new Decision(60, false), truncationOffset(5, 90, 4, 60, 100, 50));
    }

    @Test
    void anEpochBelowAllWeTrackTakesTheLeadersOffset() {
        assertEquals(new Decision(30, true), truncationOffset(1, 30, -1, -1, 100, 50));
        assertEquals(new Decision(100, true), truncationOffset(1, 300, -1, -1, 100, 50));
    }

    @Test
    void anUnknownEpochOnTheLeaderTruncatesToTheHighWatermark() {
        assertEquals(new Decision(50, true), truncationOffset(-1, -1, 4, 60, 100, 50));
    }

    @Test
    void anAnswerWithoutEpochTakesTheLeadersOffset() {
        assertEquals(new Decision(70, true), truncationOffset(-1, 70, -1, -1, 100, 50));
    }
}
