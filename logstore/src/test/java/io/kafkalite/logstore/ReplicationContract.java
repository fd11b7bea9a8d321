package io.kafkalite.logstore;

import static io.kafkalite.logstore.LogStoreContract.TP;
import static io.kafkalite.logstore.LogStoreContract.batch;
import static io.kafkalite.logstore.LogStoreContract.txnBatch;
import static io.kafkalite.logstore.LogStoreContract.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Replication support of a partition log (leader epochs, follower appends, truncation, high watermark), for both storages. */
abstract class ReplicationContract {
    LogStore leaderStore;
    LogStore followerStore;

    abstract LogStore open(String name) throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        leaderStore = open("leader");
        followerStore = open("follower");
        org.apache.kafka.common.Uuid id = org.apache.kafka.common.Uuid.randomUuid();
        assertEquals(id, leaderStore.createTopic("t", id, 1, Map.of()).id());
        followerStore.createTopic("t", id, 1, Map.of());
    }

    @AfterEach
    void tearDown() {
        leaderStore.close();
        followerStore.close();
    }

    PartitionLog leader() {
        return leaderStore.partition(TP);
    }

    PartitionLog follower() {
        return followerStore.partition(TP);
    }

    AppendResult produce(MemoryRecords records) {
        return leaderStore.append(leader(), records, System.currentTimeMillis());
    }

    AppendResult produceTxn(long pid, short epoch, int seq, String... values) {
        return leaderStore.append(leader(), txnBatch(pid, epoch, seq, values), System.currentTimeMillis(), leader().transactionGuard(pid, epoch));
    }

    /** What a follower fetcher does: reads the leader to its log end and appends it. */
    void replicate() throws Exception {
        while (follower().logEndOffset() < leader().logEndOffset()) {
            followerStore.appendAsFollower(follower(), copy(leader().readForReplica(follower().logEndOffset(), 1 << 20).records()));
        }
    }

    static MemoryRecords copy(Records records) {
        ByteBuffer buf = ByteBuffer.allocate(records.sizeInBytes());
        records.batches().forEach(b -> b.writeTo(buf));
        buf.flip();
        return MemoryRecords.readableRecords(buf);
    }

    static List<Integer> epochs(Records records) {
        List<Integer> out = new ArrayList<>();
        records.batches().forEach(b -> out.add(b.partitionLeaderEpoch()));
        return out;
    }

    /** Every value of the log, to its end, cut at the first '-' (so long values print short). */
    static List<String> all(PartitionLog log) throws Exception {
        List<String> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            Records records = log.readForReplica(offset, 1 << 20).records();
            for (RecordBatch b : records.batches()) {
                offset = b.nextOffset();
            }
            values(records).forEach(v -> out.add(v.split("-")[0]));
        }
        return out;
    }

    @Test
    void leaderAppendsAndMarkersAreStampedWithTheLeaderEpoch() throws Exception {
        long now = System.currentTimeMillis();
        produce(batch(now, "a"));
        assertEquals(0, leader().leaderEpoch(), "a single broker stays at epoch 0");
        leader().becomeLeader(3);
        produce(batch(now, "b"));
        produceTxn(9L, (short) 0, 0, "c");
        leaderStore.writeTxnMarker(leader(), 9L, (short) 0, 0, true).get();
        assertEquals(List.of(0, 3, 3, 3), epochs(leader().read(0, 1 << 20, true).records()));
        assertEquals(3, leader().latestEpoch());
        assertEquals(Map.of(0, 0L, 3, 1L), leader().epochs().entries());
        assertEquals(new LeaderEpochCache.EpochEnd(0, 1), leader().endOffsetForEpoch(0));
        assertEquals(new LeaderEpochCache.EpochEnd(3, 4), leader().endOffsetForEpoch(3));
        assertEquals(new LeaderEpochCache.EpochEnd(0, 1), leader().endOffsetForEpoch(2));
        assertEquals(new LeaderEpochCache.EpochEnd(-1, -1), leader().endOffsetForEpoch(4));
    }

    @Test
    void aFollowerRefusesClientAppendsAndMarkersUntilItLeads() {
        leader().becomeFollower(2);
        assertThrows(NotLeaderOrFollowerException.class, () -> produce(batch(System.currentTimeMillis(), "a")));
        assertThrows(NotLeaderOrFollowerException.class, () -> leader().writeTxnMarker(1L, (short) 0, 0, true, 0L));
        leader().becomeLeader(3);
        assertEquals(0, produce(batch(System.currentTimeMillis(), "a")).baseOffset());
    }

    @Test
    void followerAppendsKeepOffsetsEpochsAndProducerStateSoARetryToTheNewLeaderIsADuplicate() throws Exception {
        long now = System.currentTimeMillis();
        leader().becomeLeader(1);
        follower().becomeFollower(1);
        produce(batch(now, "x"));
        produce(batch(7L, (short) 0, 0, now, "a", "b"));
        MemoryRecords retried = batch(7L, (short) 0, 2, now, "c");
        assertEquals(3, produce(retried).baseOffset());
        replicate();
        assertEquals(4, follower().logEndOffset());
        assertEquals(List.of("x", "a", "b", "c"), all(follower()));
        assertEquals(List.of(1, 1, 1), epochs(follower().readForReplica(0, 1 << 20).records()));
        assertEquals(1, follower().latestEpoch());
        // a refetch of what the follower has is skipped; a gap is refused
        AppendResult again = followerStore.appendAsFollower(follower(), copy(leader().readForReplica(1, 1 << 20).records()));
        assertTrue(again.lastOffset() < again.baseOffset());
        assertEquals(4, follower().logEndOffset());
        produce(batch(now, "d"));
        produce(batch(now, "e"));
        MemoryRecords gap = copy(leader().readForReplica(5, 1 << 20).records());
        assertThrows(IllegalArgumentException.class, () -> followerStore.appendAsFollower(follower(), gap));
        assertEquals(4, follower().logEndOffset());
        // failover: the follower leads, and the producer's retry of its last batch is answered with the original offset
        follower().becomeLeader(2);
        assertEquals(3, followerStore.append(follower(), batch(7L, (short) 0, 2, now, "c"), now).baseOffset());
        assertEquals(4, follower().logEndOffset(), "nothing was appended for the retry");
        assertEquals(4, followerStore.append(follower(), batch(7L, (short) 0, 3, now, "f"), now).baseOffset());
        assertEquals(Map.of(1, 0L, 2, 4L), follower().epochs().entries());
    }

    @Test
    void aCorruptBatchIsRefusedWhole() throws Exception {
        produce(batch(System.currentTimeMillis(), "a"));
        produce(batch(System.currentTimeMillis(), "b"));
        MemoryRecords fetched = copy(leader().readForReplica(0, 1 << 20).records());
        ByteBuffer buf = fetched.buffer();
        buf.put(buf.limit() - 1, (byte) (buf.get(buf.limit() - 1) ^ 1)); // the second batch's CRC no longer matches
        assertThrows(CorruptRecordException.class, () -> followerStore.appendAsFollower(follower(), fetched));
        assertEquals(0, follower().logEndOffset());
    }

    @Test
    void followerAppendsCarryTransactions() throws Exception {
        long now = System.currentTimeMillis();
        produce(batch(now, "a"));
        produceTxn(9L, (short) 0, 0, "t1", "t2");
        replicate();
        assertEquals(1, follower().lastStableOffset(), "the transaction is open on the follower too");
        leaderStore.writeTxnMarker(leader(), 9L, (short) 0, 0, false).get();
        produce(batch(now, "b"));
        replicate();
        awaitStable(follower(), 5);
        ReadResult committed = follower().read(0, 1 << 20, true, true);
        assertEquals(List.of(new AbortedTxn(9L, 1, 3, 4)), committed.abortedTxns());
        assertEquals(List.of("a", "t1", "t2", "b"), values(committed.records()));
    }

    static void awaitStable(PartitionLog log, long expected) throws InterruptedException {
        for (int i = 0; i < 500 && log.lastStableOffset() != expected; i++) {
            Thread.sleep(10); // an abort's row is committed by the index writer
        }
        assertEquals(expected, log.lastStableOffset());
    }

    @Test
    void truncationRestoresTheProducerStateAndTheOpenTransactions() throws Exception {
        long now = System.currentTimeMillis();
        leader().becomeLeader(1);
        produce(batch(7L, (short) 0, 0, now, "a"));             // 0
        produceTxn(9L, (short) 0, 0, "t1");                      // 1: opens a transaction
        produce(batch(7L, (short) 0, 1, now, "b"));             // 2
        leaderStore.writeTxnMarker(leader(), 9L, (short) 0, 0, true).get(); // 3: commit
        leader().becomeLeader(2);
        produce(batch(7L, (short) 1, 0, now, "c"));             // 4: producer 7 bumps its epoch
        produce(batch(8L, (short) 0, 0, now, "d"));             // 5: a producer only past the truncation
        replicate();
        follower().becomeFollower(1);
        followerStore.truncateTo(follower(), 3);
        assertEquals(3, follower().logEndOffset());
        assertEquals(List.of("a", "t1", "b"), all(follower()));
        assertEquals(1, follower().lastStableOffset(), "the transaction is open again");
        Map<Long, ProducerStateTable.ProducerEntry> producers = follower().producers();
        assertEquals(0, producers.get(7L).epoch(), "the epoch bump is gone");
        assertEquals(1, producers.get(7L).lastSequence());
        assertEquals(1, producers.get(9L).currentTxnFirstOffset());
        assertFalse(producers.containsKey(8L));
        assertEquals(Map.of(1, 0L), follower().epochs().entries(), "epoch 2 started past the truncation");
        // the follower re-fetches a different history, then leads: producer 7 continues at sequence 2 of epoch 0
        follower().becomeLeader(5);
        assertEquals(2, followerStore.append(follower(), batch(7L, (short) 0, 1, now, "b"), now).baseOffset(), "a duplicate");
        assertEquals(3, followerStore.append(follower(), batch(7L, (short) 0, 2, now, "e"), now).baseOffset());
        followerStore.truncateTo(follower(), 1);
        assertEquals(1, follower().lastStableOffset(), "no transaction is open any more");
        assertFalse(follower().producers().containsKey(9L));
        assertEquals(0, follower().producers().get(7L).lastSequence(), "its batches below the truncation stay (no read needed)");
        assertEquals(1, followerStore.append(follower(), batch(7L, (short) 0, 1, now, "b"), now).baseOffset(), "sequence 1 is new again");
    }

    @Test
    void theHighWatermarkBoundsConsumerReadsAndWakesFetches() throws Exception {
        AtomicInteger wakes = new AtomicInteger();
        leaderStore.addAppendListener(tp -> wakes.incrementAndGet());
        long now = System.currentTimeMillis();
        leader().setReplicated(true);
        produce(batch(now, "a"));
        produce(batch(now, "b"));
        produceTxn(9L, (short) 0, 0, "t");
        assertEquals(0, leader().highWatermark());
        ReadResult read = leader().read(0, 1 << 20, true);
        assertEquals(0, read.highWatermark());
        assertEquals(0, read.records().sizeInBytes());
        assertEquals(List.of("a", "b", "t"), values(leader().readForReplica(0, 1 << 20).records()));
        int before = wakes.get();
        assertTrue(leaderStore.updateHighWatermark(leader(), 1));
        assertEquals(before + 1, wakes.get(), "waiting fetches hear of the move");
        assertFalse(leaderStore.updateHighWatermark(leader(), 0), "a leader's high watermark never goes back");
        assertEquals(List.of("a"), values(leader().read(0, 1 << 20, true).records()));
        assertEquals(1, leader().read(0, 1 << 20, true).highWatermark());
        assertEquals(1, leader().lastStableOffset());
        assertTrue(leader().updateHighWatermark(100));
        assertEquals(3, leader().highWatermark(), "never past the log end");
        assertEquals(2, leader().lastStableOffset(), "the open transaction");
        assertEquals(List.of("a", "b"), values(leader().read(0, 1 << 20, true, true).records()));
        // a follower takes the leader's, capped by its log end, and may go back
        replicate();
        follower().becomeFollower(1);
        follower().setReplicated(true);
        assertTrue(follower().updateHighWatermark(2));
        assertEquals(List.of("a", "b"), values(follower().read(0, 1 << 20, true).records()));
        assertTrue(follower().updateHighWatermark(1));
        assertEquals(1, follower().highWatermark());
        assertThrows(org.apache.kafka.common.errors.OffsetOutOfRangeException.class, () -> leader().deleteRecordsBefore(100));
    }

    @Test
    void truncatingBelowTheLogStartEmptiesTheLogThere() throws Exception {
        long now = System.currentTimeMillis();
        produce(batch(now, "a", "b"));
        replicate();
        followerStore.truncateFullyAndStartAt(follower(), 100);
        assertEquals(100, follower().logStartOffset());
        assertEquals(100, follower().logEndOffset());
        assertEquals(-1, follower().latestEpoch());
        MemoryRecords fromLeader = MemoryRecords.withRecords(100L, org.apache.kafka.common.compress.Compression.NONE, 4,
                new org.apache.kafka.common.record.internal.SimpleRecord(now, "c".getBytes()));
        followerStore.appendAsFollower(follower(), fromLeader);
        assertEquals(101, follower().logEndOffset());
        assertEquals(List.of("c"), values(follower().read(100, 1 << 20, true).records()));
        assertEquals(4, follower().latestEpoch());
    }

    @Test
    void epochCacheAnswersAsKafkasDoes() {
        LeaderEpochCache cache = LeaderEpochCache.inMemory();
        assertEquals(new LeaderEpochCache.EpochEnd(-1, -1), cache.endOffsetFor(0, 10), "empty");
        cache.assign(5, 11);
        cache.assign(6, 12);
        cache.assign(7, 13);
        assertEquals(new LeaderEpochCache.EpochEnd(4, 11), cache.endOffsetFor(4, 20), "older than the first: its start, as Kafka answers");
        assertEquals(new LeaderEpochCache.EpochEnd(7, 20), cache.endOffsetFor(7, 20), "the latest: the log end");
        assertEquals(new LeaderEpochCache.EpochEnd(-1, -1), cache.endOffsetFor(8, 20), "newer than the latest");
        assertEquals(new LeaderEpochCache.EpochEnd(-1, -1), cache.endOffsetFor(RecordBatch.NO_PARTITION_LEADER_EPOCH, 20));
        LeaderEpochCache gaps = LeaderEpochCache.inMemory();
        gaps.assign(0, 10);
        gaps.assign(2, 13);
        gaps.assign(4, 17);
        assertEquals(new LeaderEpochCache.EpochEnd(0, 13), gaps.endOffsetFor(1, 20), "no exact epoch: the one before it");
        assertEquals(new LeaderEpochCache.EpochEnd(2, 17), gaps.endOffsetFor(2, 20));
        assertEquals(new LeaderEpochCache.EpochEnd(2, 17), gaps.endOffsetFor(3, 20));
        gaps.assign(4, 18);
        assertEquals(Map.of(0, 10L, 2, 13L, 4, 17L), gaps.entries(), "the same epoch at a later offset changes nothing");
        gaps.assign(3, 15);
        assertEquals(Map.of(0, 10L, 2, 13L, 3, 15L), gaps.entries(), "an older epoch drops the entries it contradicts");
        gaps.truncateFromEnd(13);
        assertEquals(Map.of(0, 10L), gaps.entries());
    }
}
