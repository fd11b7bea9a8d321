package io.kafkalite.logstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner on real files: latest value per key, offsets kept, tombstones gone after their horizon, restarts. */
class LogCleanerTest {
    private static final TopicPartition TP = new TopicPartition("c", 0);
    @TempDir
    Path dir;
    private LogStore store;
    private final Map<String, String> broker = new HashMap<>(Map.of("log.cleaner.backoff.ms", "50"));

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private void open() throws Exception {
        store = LogStore.open(dir, broker);
    }

    private void createTopic() throws Exception {
        store.createTopic("c", 1, Map.of("cleanup.policy", "compact", "segment.bytes", "1048576",
                "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "500", "file.delete.delay.ms", "100"));
    }

    /** Appends a batch of key=value records (value null for a tombstone); returns the base offset. */
    private long put(long timestamp, String... keyValues) {
        MemoryRecordsBuilder b = MemoryRecords.builder(java.nio.ByteBuffer.allocate(1 << 16), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < keyValues.length; i += 2) {
            b.append(timestamp, keyValues[i].getBytes(), keyValues[i + 1] == null ? null : keyValues[i + 1].getBytes());
        }
        return store.append(store.partition(TP), b.build(), System.currentTimeMillis()).baseOffset();
    }

    /** Every record from the start: key -> offset:value (value "null" for tombstones); latest wins. */
    private Map<String, String> readAll() throws Exception {
        PartitionLog log = store.partition(TP);
        Map<String, String> seen = new HashMap<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            Records records = log.read(offset, 1 << 20, true).records();
            long next = offset;
            for (RecordBatch batch : records.batches()) {
                for (Record r : batch) {
                    if (r.offset() >= offset) {
                        String v = r.hasValue() ? StandardCharsets.UTF_8.decode(r.value()).toString() : "null";
                        seen.put(StandardCharsets.UTF_8.decode(r.key()).toString(), r.offset() + ":" + v);
                    }
                }
                next = batch.nextOffset();
            }
            offset = next;
        }
        return seen;
    }

    private long logBytes() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("c-0"))) {
            return files.filter(p -> p.toString().endsWith(".log")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.call()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void keepsTheLatestRecordPerKeyAtItsOffsetAndRemovesTombstonesAfterTheirHorizon() throws Exception {
        open();
        createTopic();
        long now = System.currentTimeMillis();
        Map<String, String> expected = new HashMap<>();
        String pad = "x".repeat(200);
        long early = put(now + 90_000, "early", "e");
        expected.put("early", early + ":e");
        for (int i = 0; i < 50; i++) { // kept records between them: an index entry falls in between
            expected.put("kept-" + i, put(now, "kept-" + i, pad) + ":" + pad);
        }
        put(now + 100_000, "outlier", "o1"); // the largest timestamp, until cleaned away
        for (int round = 0; round < 30; round++) {
            for (int k = 0; k < 500; k += 10) {
                String[] kv = new String[20];
                for (int i = 0; i < 10; i++) {
                    kv[2 * i] = "key-" + (k + i);
                    kv[2 * i + 1] = "v" + round + pad;
                }
                long base = put(now + round, kv);
                for (int i = 0; i < 10; i++) {
                    expected.put("key-" + (k + i), (base + i) + ":v" + round + pad);
                }
            }
        }
        expected.put("outlier", put(now, "outlier", "o2") + ":o2");
        for (int k = 0; k < 100; k++) { // tombstones for the first 100 keys
            long base = put(now + 40, "key-" + k, null);
            expected.put("key-" + k, base + ":null");
        }
        long before = logBytes();
        long timeOfRound20 = store.partition(TP).offsetForTimestamp(now + 20).offset;
        for (int i = 0; i < 4000; i++) { // rolls the tombstones into a cleanable segment
            long base = put(now + 50, "filler-" + (i % 50), "f" + i + pad);
            expected.put("filler-" + (i % 50), base + ":f" + i + pad);
        }
        // a pass may start before the tombstones' segment rolls and clean too little to show; a later one cleans it
        await("a cleaning pass that lowers disk use", () -> store.partition(TP).storage() instanceof FileStorage f && f.cleanedTo() > 0
                && logBytes() < before);
        long end = store.partition(TP).logEndOffset();
        Map<String, String> cleaned = readAll();
        assertEquals(expected, cleaned, "a first pass keeps the tombstones and the latest value of each key at its offset");
        assertTrue(logBytes() < before, "disk use fell: " + logBytes() + " < " + before);
        assertEquals(end, store.partition(TP).logEndOffset());
        long afterCleaning = store.partition(TP).offsetForTimestamp(now + 20).offset;
        assertTrue(afterCleaning >= timeOfRound20, "ListOffsets by time still finds the first surviving record at or after the time");

        Thread.sleep(600); // past delete.retention.ms
        for (int i = 0; i < 4000; i++) { // more dirt, so another pass runs
            long base = put(now + 60, "filler-" + (i % 50), "g" + i + pad);
            expected.put("filler-" + (i % 50), base + ":g" + i + pad);
        }
        for (int k = 0; k < 100; k++) {
            expected.remove("key-" + k);
        }
        await("tombstones removed", () -> !readAll().containsKey("key-0"));
        assertEquals(expected, readAll());
        assertEquals(early, store.partition(TP).maxTimestamp().offset, "MAX_TIMESTAMP: the largest timestamp left, before the removed one");

        store.close();
        open();
        assertEquals(expected, readAll(), "the cleaned log survives a restart");
    }

    @Test
    void cleansInSeveralPassesWhenTheKeysDoNotFitTheMap() throws Exception {
        broker.put("log.cleaner.dedupe.buffer.size", String.valueOf(24 * 4096)); // ~3,700 keys a pass
        open();
        createTopic();
        long now = System.currentTimeMillis();
        Map<String, String> expected = new HashMap<>();
        String pad = "y".repeat(100);
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < 10_000; k += 20) {
                String[] kv = new String[40];
                for (int i = 0; i < 20; i++) {
                    kv[2 * i] = "key-" + (k + i);
                    kv[2 * i + 1] = "v" + round + pad;
                }
                long base = put(now, kv);
                for (int i = 0; i < 20; i++) {
                    expected.put("key-" + (k + i), (base + i) + ":v" + round + pad);
                }
            }
        }
        long before = logBytes();
        for (int i = 0; i < 10_000; i++) {
            long base = put(now, "filler-" + (i % 10), "f" + pad);
            expected.put("filler-" + (i % 10), base + ":f" + pad);
        }
        FileStorage files = (FileStorage) store.partition(TP).storage();
        long rolledEnd = files.nextBase(files.rolledSegments().get(files.rolledSegments().size() - 1).getKey());
        await("cleaning up to the active segment", () -> files.cleanedTo() >= rolledEnd);
        assertEquals(expected, readAll());
        assertTrue(logBytes() < before, "disk use fell");
    }

    @Test
    void aStartCompletesAnInterruptedSwapAndDiscardsAHalfWrittenCleaning() throws Exception {
        broker.put("log.cleaner.enable", "false");
        open();
        createTopic();
        String pad = "z".repeat(300);
        Map<String, String> expected = new HashMap<>();
        for (int i = 0; i < 9000; i++) { // ~3 segments
            long offset = put(1000, "k" + i, "v" + pad);
            expected.put("k" + i, offset + ":v" + pad);
        }
        FileStorage files = (FileStorage) store.partition(TP).storage();
        long first = files.rolledSegments().get(0).getKey();
        long second = files.rolledSegments().get(1).getKey();
        long third = files.nextBase(second);
        store.close();
        store = null;
        Path p = dir.resolve("c-0");
        // a crash after the swap's commit point: the first segment's copy stands for the cleaned [first, third)
        Files.copy(p.resolve(StoreLayout.segmentFileName(first)), SegmentSwap.swapFile(p, first, third));
        Files.writeString(SegmentSwap.cleanedFile(p, third), "half written");
        for (Map.Entry<String, String> e : Map.copyOf(expected).entrySet()) {
            long offset = Long.parseLong(e.getValue().split(":")[0]);
            if (offset >= second && offset < third) {
                expected.remove(e.getKey()); // what the "cleaning" dropped
            }
        }
        open();
        assertEquals(expected, readAll());
        try (Stream<Path> left = Files.list(p)) {
            assertEquals(java.util.List.of(), left.filter(f -> f.toString().endsWith(".swap") || f.toString().endsWith(".cleaned")).toList());
        }
        assertEquals(null, store.partition(TP).storage() instanceof FileStorage f && f.rolledSegments().stream()
                .anyMatch(e -> e.getKey() == second) ? "the replaced segment is still there" : null);
    }

    @Test
    void anAbortedTransactionWithNoDataLeftLosesItsRowAndAStaleRowAbortsNothingAfterIt() {
        AbortedTxn txn = new AbortedTxn(7L, 0, 5, 6);
        CleanerTxnState gone = new CleanerTxnState(java.util.List.of(txn));
        assertEquals(false, gone.onBatch(txnBatch(8L, 1)));
        assertTrue(gone.onMarker(abortMarker(7L, 5)), "no data of the aborted transaction is left: its marker may go");
        assertEquals(java.util.List.of(txn), gone.drainUnneededRows(), "and its index row goes");

        CleanerTxnState withData = new CleanerTxnState(java.util.List.of(txn));
        assertTrue(withData.onBatch(txnBatch(7L, 2)), "aborted data goes");
        assertEquals(false, withData.onMarker(abortMarker(7L, 5)), "its marker stays while data was in front of it");
        assertEquals(java.util.List.of(), withData.drainUnneededRows(), "and so does the row, until a pass finds no data");
        assertEquals(false, withData.onBatch(txnBatch(7L, 8)), "the producer's next transaction is not aborted");

        CleanerTxnState stale = new CleanerTxnState(java.util.List.of(txn)); // a row whose ABORT marker is gone already
        assertEquals(false, stale.onBatch(txnBatch(7L, 10)), "a committed batch after the row's marker offset stays");
        assertEquals(java.util.List.of(txn), stale.drainUnneededRows());

        AbortedTxn next = new AbortedTxn(7L, 10, 12, 13); // a stale row, then the producer's next aborted transaction
        CleanerTxnState twoRows = new CleanerTxnState(java.util.List.of(txn, next));
        assertTrue(twoRows.onBatch(txnBatch(7L, 10)), "the next aborted transaction's data still goes");
        assertEquals(false, twoRows.onMarker(abortMarker(7L, 12)));
        assertEquals(java.util.List.of(txn), twoRows.drainUnneededRows());
    }

    private static RecordBatch txnBatch(long pid, long offset) {
        MemoryRecordsBuilder b = MemoryRecords.builder(java.nio.ByteBuffer.allocate(256), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, offset, 0L, pid, (short) 0, 0, true, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        b.append(0L, "k".getBytes(), "v".getBytes());
        return b.build().batches().iterator().next();
    }

    private static RecordBatch abortMarker(long pid, long offset) {
        return MemoryRecords.withEndTransactionMarker(offset, 0L, RecordBatch.NO_PARTITION_LEADER_EPOCH, pid, (short) 0,
                new org.apache.kafka.common.record.internal.EndTransactionMarker(org.apache.kafka.common.record.internal.ControlRecordType.ABORT, 0))
                .batches().iterator().next();
    }

    @Test
    void aPartitionWhoseCleaningFailsIsLeftAloneUntilItsSegmentsChange() throws Exception {
        broker.put("log.cleaner.enable", "false");
        open();
        createTopic();
        String pad = "q".repeat(1000);
        for (int i = 0; i < 2500; i++) { // ~2 rolled segments
            put(1000, "k" + (i % 100), pad);
        }
        store.close();
        store = null;
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(dir.resolve("c-0").resolve(StoreLayout.segmentFileName(0)).toFile(), "rw")) {
            int firstSize = 0;
            f.seek(8);
            firstSize = f.readInt() + Records.LOG_OVERHEAD;
            f.seek(firstSize + 8);
            f.writeInt(1); // the second batch's size field: a corrupt batch only the cleaner reads
        }
        broker.remove("log.cleaner.enable");
        open();
        await("the partition marked uncleanable", () -> store.uncleanablePartitionsCount() == 1);
        FileStorage files = (FileStorage) store.partition(TP).storage();
        Thread.sleep(500); // backoff 50 ms: a retry in a loop would have cleared the mark and failed again many times
        assertEquals(1, store.uncleanablePartitionsCount());
        assertEquals(-1, files.cleanedTo(), "nothing was cleaned");
        store.deleteTopic("c");
        await("a deleted partition is forgotten", () -> store.uncleanablePartitionsCount() == 0);
    }

    @Test
    void aReaderOfASegmentTheCleanerReplacedFindsItsOffsetsInTheCleanedFile() throws Exception {
        broker.put("log.cleaner.enable", "false");
        open();
        store.createTopic("c", 1, Map.of("cleanup.policy", "compact", "segment.bytes", "1048576", "file.delete.delay.ms", "60000"));
        String pad = "r".repeat(10_000);
        for (int i = 0; i < 420; i++) { // one record per batch, key k-<offset>
            put(1000, "k-" + i, pad);
        }
        FileStorage files = (FileStorage) store.partition(TP).storage();
        long s2 = files.rolledSegments().get(1).getKey();
        long s3 = files.rolledSegments().get(2).getKey();
        long s4 = files.nextBase(s3);
        for (long o = s2 + (s3 - s2) * 4 / 10; o < s3; o++) { // the first pass removes the tail of s2 and half of s3
            put(1000, "k-" + o, "new");
        }
        for (long o = s3 + (s4 - s3) / 2; o < s4; o++) {
            put(1000, "k-" + o, "new");
        }
        fill(pad, 0);
        cleanNow();
        Map.Entry<Long, org.apache.kafka.common.record.internal.FileRecords> stale = files.rolledSegments().get(1);
        assertEquals(s2, stale.getKey());
        fill(pad, 1);
        cleanNow(); // groups what is left of s2 and s3 into one file
        assertTrue(files.rolledSegments().stream().noneMatch(e -> e.getKey() == s3), "s2 and s3 were cleaned into one file");
        // a reader that found s2 as the floor of s3 - 1 before the swap, and scans it (no such offset left) after it
        Records found = files.readFrom(stale, s3 - 1, 1 << 20, false, files.logEnd());
        assertEquals(s3, found.batches().iterator().next().baseOffset(), "the records of s3 in the cleaned file are not skipped");
    }

    private void fill(String pad, int round) {
        for (int i = 0; i < 150; i++) {
            put(1000, "f-" + round + "-" + i, pad);
        }
    }

    /** One cleaning pass now, once the rolled segments are flushed. */
    private void cleanNow() throws Exception {
        PartitionLog log = store.partition(TP);
        FileStorage files = (FileStorage) log.storage();
        java.util.List<Map.Entry<Long, org.apache.kafka.common.record.internal.FileRecords>> rolled = files.rolledSegments();
        long rolledEnd = files.nextBase(rolled.get(rolled.size() - 1).getKey());
        await("the rolled segments flushed", () -> files.recoveryPoint() >= rolledEnd);
        long now = System.currentTimeMillis();
        assertTrue(new Cleaner(new OffsetMap(1 << 20, 0.9), new Throttler(Double.MAX_VALUE), 1 << 16, () -> false)
                .clean(Cleanable.examine(log, now), now) > 0);
    }
}
