package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.PartitionState;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The leader's bookkeeping alone (Kafka's Partition rules), without a log or a quorum. */
class PartitionReplicationTest {
    private static final long LAG = 30_000;

    private static PartitionState state(int leader, int epoch, List<Integer> isr, int partitionEpoch) {
        return new PartitionState(List.of(1, 2, 3), leader, epoch, isr, List.of(), partitionEpoch, List.of(), List.of());
    }

    private static PartitionReplication leader(List<Integer> isr, long logEnd, long now) {
        PartitionReplication r = new PartitionReplication(new TopicPartition("t", 0), Uuid.randomUuid(), null, 1);
        r.becameLeader(state(1, 3, isr, 5), logEnd, now);
        return r;
    }

    @Test
    void highWatermarkCountsAProposedMemberAtOnce() {
        PartitionReplication r = leader(List.of(1, 2), 10, 0);
        assertEquals(-1, r.highWatermarkBound(10), "a new leader knows no follower's log end");
        r.followerFetched(2, 10, 10, 1);
        r.followerFetched(3, 7, 10, 1);
        assertEquals(10, r.highWatermarkBound(10), "3 is not in the ISR");
        assertTrue(r.propose(List.of(1, 2, 3)));
        assertEquals(7, r.highWatermarkBound(10), "the maximal ISR holds 3 while its addition is in flight");
        assertFalse(r.propose(List.of(1)), "one proposal in flight");
        r.proposalFailed(List.of(1, 2, 3));
        assertEquals(10, r.highWatermarkBound(10));
    }

    @Test
    void followerJoinsOnlyAtTheHighWatermarkAndTheEpochStart() {
        PartitionReplication r = leader(List.of(1, 2), 10, 0); // epoch 3 starts at 10
        r.followerFetched(3, 8, 12, 1);
        assertNull(r.expansion(3, 8, id -> true), "below the epoch's start offset");
        r.followerFetched(3, 11, 12, 2);
        assertNull(r.expansion(3, 12, id -> true), "below the high watermark");
        assertNull(r.expansion(3, 11, id -> false), "a fenced broker is not eligible");
        assertEquals(List.of(1, 2, 3), r.expansion(3, 11, id -> true));
        assertNull(r.expansion(2, 11, id -> true), "already in the ISR");
    }

    @Test
    void followerIsCaughtUpAsOfItsPreviousFetchWhenItReachedTheLeaderEndOfThen() {
        PartitionReplication r = leader(List.of(1, 2, 3), 100, 0);
        r.followerFetched(2, 100, 100, 1_000); // caught up at 1000
        r.followerFetched(3, 100, 100, 1_000);
        // the leader keeps appending: 2 always reaches where the leader was at its previous fetch; 3 stops fetching
        r.followerFetched(2, 100, 150, 20_000);
        r.followerFetched(2, 150, 200, 40_000); // reached 150 (the end at its fetch of 20000): caught up as of 20000
        assertEquals(20_000, r.follower(2).lastCaughtUpMs);
        assertEquals(List.of(1, 2), r.shrinkage(200, 40_000, LAG), "3 last caught up 39 s ago; 2 20 s ago, though never at the end");
    }

    @Test
    void membersThatDidNotCatchUpForTheLagTimeAreDropped() {
        PartitionReplication r = leader(List.of(1, 2, 3), 100, 0);
        r.followerFetched(2, 100, 100, 1_000);
        r.followerFetched(3, 90, 100, 1_000);
        assertNull(r.shrinkage(100, 30_000, LAG), "3 counts as caught up when the epoch began (time 0)");
        assertEquals(List.of(1, 2), r.shrinkage(100, 30_001, LAG));
        r.followerFetched(3, 100, 100, 30_001);
        assertNull(r.shrinkage(100, 30_001, LAG));
        assertNull(r.shrinkage(100, 200_000, LAG), "a member at the leader's log end is in sync however long ago");
    }

    @Test
    void parkedProducesCompleteInOffsetOrderAndSeeTheIsrSize() {
        PartitionReplication r = leader(List.of(1, 2, 3), 0, 0);
        ParkedProduce late = new ParkedProduce(10, 2, () -> { });
        ParkedProduce early = new ParkedProduce(5, 3, () -> { });
        assertFalse(r.park(new ParkedProduce(1, 1, () -> { }), 2), "appended under an earlier leadership of this node");
        assertTrue(r.park(late, 3));
        assertTrue(r.park(early, 3));
        assertEquals(List.of(), r.reached(4));
        var done = r.reached(5);
        assertEquals(1, done.size());
        assertEquals(early, done.get(0).getKey());
        assertEquals(Errors.NONE, done.get(0).getValue());
        r.update(state(1, 3, List.of(1), 6), 0);
        done = r.reached(11);
        assertEquals(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND, done.get(0).getValue());
    }

    @Test
    void roleChangesAndEpochChecks() {
        PartitionReplication r = leader(List.of(1, 2, 3), 0, 0);
        assertFalse(r.becomesLeader(state(1, 3, List.of(1, 2), 6)), "an ISR change is no new leadership");
        assertTrue(r.becomesLeader(state(1, 4, List.of(1, 2), 6)), "a new epoch is");
        assertTrue(r.becomesFollower(state(2, 4, List.of(2, 3), 6)));
        r.becameFollower(state(2, 4, List.of(2, 3), 6));
        assertFalse(r.park(new ParkedProduce(1, 1, () -> { }), 4), "a follower parks nothing");
        assertFalse(r.becomesFollower(state(2, 4, List.of(2), 7)));
        assertTrue(r.becomesFollower(state(3, 5, List.of(3), 8)));
        assertEquals(Errors.FENCED_LEADER_EPOCH, r.leaderError(3));
        assertEquals(Errors.UNKNOWN_LEADER_EPOCH, r.leaderError(5));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, r.leaderError(4));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, r.leaderError(-1));
        assertFalse(r.followerFetched(3, 0, 0, 0), "a follower keeps no follower state");
    }
}
