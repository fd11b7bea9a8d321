package io.kafkalite.logstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every log store must do; run against the file store and the in-memory store. */
abstract class LogStoreContract {
    static final TopicPartition TP = new TopicPartition("t", 0);
    LogStore store;

    abstract LogStore open() throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        store = open();
        store.createTopic("t", 2, Map.of());
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    static MemoryRecords batch(long timestamp, String... values) {
        return batch(RecordBatch.NO_PRODUCER_ID, (short) -1, -1, timestamp, values);
    }

    static MemoryRecords batch(long pid, short epoch, int seq, long timestamp, String... values) {
        return batch(pid, epoch, seq, false, timestamp, values);
    }

    static MemoryRecords txnBatch(long pid, short epoch, int seq, String... values) {
        return batch(pid, epoch, seq, true, System.currentTimeMillis(), values);
    }

    static MemoryRecords batch(long pid, short epoch, int seq, boolean transactional, long timestamp, String... values) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024 + 64 * values.length), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, timestamp, pid, epoch, seq, transactional, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < values.length; i++) {
            b.append(new SimpleRecord(timestamp + i, ("k" + values[i]).getBytes(), values[i].getBytes()));
        }
        return b.build();
    }

    AppendResult append(MemoryRecords records) throws Exception {
        return store.append(store.partition(TP), records, System.currentTimeMillis());
    }

    static List<String> values(Records records) {
        List<String> out = new java.util.ArrayList<>();
        records.batches().forEach(batch -> {
            if (batch.isControlBatch()) {
                return;
            }
            batch.forEach(r -> {
                byte[] v = new byte[r.valueSize()];
                r.value().get(v);
                out.add(new String(v));
            });
        });
        return out;
    }

    /** Appends a transactional batch the way the produce path does: verified under a guard first. */
    AppendResult appendTxn(long pid, short epoch, int seq, String... values) throws Exception {
        PartitionLog log = store.partition(TP);
        return store.append(log, txnBatch(pid, epoch, seq, values), System.currentTimeMillis(), log.transactionGuard(pid, epoch));
    }

    void marker(long pid, short epoch, boolean commit) throws Exception {
        store.writeTxnMarker(store.partition(TP), pid, epoch, 0, commit).get();
    }

    @Test
    void readCommittedStopsAtTheOpenTransactionAndListsAbortedOnes() throws Exception {
        PartitionLog log = store.partition(TP);
        append(batch(1000, "a"));
        appendTxn(7L, (short) 0, 0, "t1");
        append(batch(1000, "b"));
        assertEquals(1, log.lastStableOffset(), "the open transaction holds the last stable offset");
        ReadResult committed = log.read(0, 1 << 20, true, true);
        assertEquals(List.of("a"), values(committed.records()));
        assertEquals(3, committed.highWatermark());
        assertEquals(1, committed.lastStableOffset());
        assertEquals(List.of("a", "t1", "b"), values(log.read(0, 1 << 20, true, false).records()), "read_uncommitted sees everything");

        marker(7L, (short) 0, true);
        assertEquals(4, log.lastStableOffset());
        assertEquals(List.of("a", "t1", "b"), values(log.read(0, 1 << 20, true, true).records()));
        assertEquals(List.of(), log.read(0, 1 << 20, true, true).abortedTxns());

        appendTxn(8L, (short) 0, 0, "x1", "x2");
        marker(8L, (short) 0, false);
        assertEquals(7, log.lastStableOffset());
        ReadResult all = log.read(0, 1 << 20, true, true);
        assertEquals(List.of(new AbortedTxn(8L, 4, 6, 7)), all.abortedTxns());
        assertEquals(List.of(), log.read(7, 1 << 20, true, true).abortedTxns(), "nothing aborted at or after 7");
    }

    @Test
    void aBatchOfAnEndedOrUnverifiedTransactionIsRefused() throws Exception {
        PartitionLog log = store.partition(TP);
        assertThrows(InvalidTxnStateException.class, () -> append(txnBatch(7L, (short) 0, 0, "unverified")));
        Object guard = log.transactionGuard(7L, (short) 0);
        marker(7L, (short) 0, false); // the transaction ended while the batch was being verified
        assertThrows(InvalidTxnStateException.class,
                () -> store.append(log, txnBatch(7L, (short) 0, 0, "late"), System.currentTimeMillis(), guard));
        appendTxn(9L, (short) 3, 0, "v2");
        marker(9L, (short) 4, true); // Transactions V2: the end bumps the epoch
        assertThrows(InvalidProducerEpochException.class, () -> appendTxn(9L, (short) 3, 1, "zombie"));
        assertThrows(InvalidTxnStateException.class, () -> {
            appendTxn(10L, (short) 0, 0, "open");
            append(batch(10L, (short) 0, 1, 1000, "not transactional"));
        });
        assertEquals(log.logEndOffset() - 1, log.lastStableOffset(), "only producer 10's transaction is open");
    }

    @Test
    void aReadNeverReturnsBatchesAppendedAfterTheEndItReports() throws Exception {
        append(batch(1000, "a", "b"));
        PartitionStorage storage = store.partition(TP).storage();
        LogEnd end = storage.logEnd();
        append(batch(1000, "c")); // lands between the read's snapshot of the end and its file read
        assertEquals(List.of("a", "b"), values(storage.read(0, 1 << 20, true, end)));
        assertEquals(List.of("a", "b", "c"), values(storage.read(0, 1 << 20, true, storage.logEnd())));
    }

    @Test
    void offsetsAreAssignedContiguously() throws Exception {
        long now = System.currentTimeMillis();
        assertEquals(0, append(batch(now, "a", "b", "c")).baseOffset());
        AppendResult second = append(batch(now, "d", "e"));
        assertEquals(3, second.baseOffset());
        assertEquals(4, second.lastOffset());
        assertEquals(5, store.partition(TP).logEndOffset());
        assertEquals(0, store.partition(new TopicPartition("t", 1)).logEndOffset(), "partitions are independent");
    }

    @Test
    void aReadInsideABatchReturnsTheWholeBatch() throws Exception {
        long now = System.currentTimeMillis();
        append(batch(now, "a", "b", "c"));
        append(batch(now, "d", "e"));
        PartitionLog log = store.partition(TP);
        assertEquals(List.of("a", "b", "c", "d", "e"), values(log.read(1, 1 << 20, true).records()));
        assertEquals(List.of("d", "e"), values(log.read(4, 1 << 20, true).records()));
        assertEquals(List.of("a", "b", "c"), values(log.read(0, 10, true).records()), "one whole batch even above max bytes");
        assertEquals(0, log.read(5, 1 << 20, true).records().sizeInBytes(), "nothing at the log end");
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(6, 100, true));
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 100, true));
    }

    @Test
    void badBatchesAreRefusedAndNothingIsWritten() throws Exception {
        MemoryRecords corrupt = batch(System.currentTimeMillis(), "a");
        corrupt.buffer().put(corrupt.sizeInBytes() - 1, (byte) 1);
        assertThrows(CorruptRecordException.class, () -> append(corrupt));
        MemoryRecords truncated = MemoryRecords.readableRecords(batch(System.currentTimeMillis(), "a", "b").buffer().limit(30).slice());
        assertThrows(CorruptRecordException.class, () -> append(truncated));
        store.createTopic("compacted", 1, Map.of("cleanup.policy", "compact"));
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256), Compression.NONE, TimestampType.CREATE_TIME, 0L);
        b.append(new SimpleRecord(System.currentTimeMillis(), null, "v".getBytes()));
        assertThrows(InvalidRecordException.class,
                () -> store.append(store.partition(new TopicPartition("compacted", 0)), b.build(), System.currentTimeMillis()));
        assertEquals(0, store.partition(TP).logEndOffset());
    }

    @Test
    void idempotentProducerRetriesGetTheirFirstOffsets() throws Exception {
        long now = System.currentTimeMillis();
        AppendResult first = append(batch(7L, (short) 0, 0, now, "a", "b"));
        AppendResult retry = append(batch(7L, (short) 0, 0, now, "a", "b"));
        assertEquals(first.baseOffset(), retry.baseOffset());
        assertEquals(2, store.partition(TP).logEndOffset());
        assertThrows(OutOfOrderSequenceException.class, () -> append(batch(7L, (short) 0, 5, now, "x")));
        assertEquals(2, append(batch(7L, (short) 0, 2, now, "c")).baseOffset());
    }

    @Test
    void timestampLookups() throws Exception {
        long base = System.currentTimeMillis() - 100_000;
        for (int i = 0; i < 50; i++) {
            append(batch(base + 1000L * i, "v" + i, "w" + i)); // records at base + 1000i and base + 1000i + 1
        }
        PartitionLog log = store.partition(TP);
        TimestampAndOffset found = log.offsetForTimestamp(base + 1000L * 20 + 1);
        assertEquals(41, found.offset);
        assertEquals(base + 20_001, found.timestamp);
        assertEquals(0, log.offsetForTimestamp(0).offset);
        assertNull(log.offsetForTimestamp(base + 1_000_000));
        assertEquals(99, log.maxTimestamp().offset);
    }

    @Test
    void topicsCanBeCreatedGrownAndDeleted() throws Exception {
        assertThrows(TopicExistsException.class, () -> store.createTopic("t", 1, Map.of()));
        store.createPartitions("t", 4);
        assertEquals(4, store.topic("t").partitions());
        assertTrue(store.partition(new TopicPartition("t", 3)) != null);
        store.deleteTopic("t");
        assertNull(store.topic("t"));
        assertNull(store.partition(TP));
        store.createTopic("t", 1, Map.of());
        assertEquals(0, store.partition(TP).logEndOffset(), "a recreated topic starts empty");
    }
}
