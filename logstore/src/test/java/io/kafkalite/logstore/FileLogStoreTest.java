package io.kafkalite.logstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on disk, plus what only files can do: survive a restart and repair a damaged tail. */
class FileLogStoreTest extends LogStoreContract {
    @TempDir
    Path dir;

    @Override
    LogStore open() throws Exception {
        return LogStore.open(dir, Map.of("log.segment.bytes", "1048576"));
    }

    private void reopen() throws Exception {
        store.close();
        store = open();
    }

    private Path segment(long base) {
        return dir.resolve("t-0").resolve(StoreLayout.segmentFileName(base));
    }

    @Test
    void aNewDirectoryTakesTheConfiguredClusterIdAndKeepsIt(@TempDir Path other) throws Exception {
        // given a directory formatted with a configured id (the image's CLUSTER_ID)
        try (LogStore first = LogStore.open(other, Map.of(LogStore.CLUSTER_ID_CONFIG, "4L6g3nShT-eMCtK--X86sw"))) {
            assertEquals("4L6g3nShT-eMCtK--X86sw", first.clusterId());
        }
        // when it is opened with another one, then it keeps its own, as Kafka skips formatting a formatted directory
        try (LogStore again = LogStore.open(other, Map.of(LogStore.CLUSTER_ID_CONFIG, "5L6g3nShT-eMCtK--X86sw"))) {
            assertEquals("4L6g3nShT-eMCtK--X86sw", again.clusterId());
        }
        assertThrows(ConfigException.class, () -> LogStore.open(dir.resolve("bad"), Map.of(LogStore.CLUSTER_ID_CONFIG, "not-a-uuid")));
    }

    @Test
    void everythingSurvivesARestart() throws Exception {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 3000; i++) { // ~1.5 MB: two segments
            append(batch(7L, (short) 0, i, now + i, "value-" + i + "-" + "x".repeat(400)));
        }
        reopen();
        PartitionLog log = store.partition(TP);
        assertEquals(3000, log.logEndOffset());
        assertEquals(2000, log.offsetForTimestamp(now + 2000).offset);
        assertEquals("value-2500-" + "x".repeat(400), values(log.read(2500, 1000, true).records()).get(0));
        assertEquals(2999, append(batch(7L, (short) 0, 2999, now, "again")).baseOffset(), "producer state survived: a retry is recognised");
        assertEquals(3000, append(batch(now, "next")).baseOffset());
    }

    @Test
    void aTornTailIsTruncatedAtTheLastWholeBatch() throws Exception {
        long now = System.currentTimeMillis();
        append(batch(now, "a", "b"));
        append(batch(now, "c"));
        long whole = Files.size(segment(0));
        append(batch(now, "d", "e", "f"));
        store.close();
        try (RandomAccessFile f = new RandomAccessFile(segment(0).toFile(), "rw")) {
            f.setLength(f.length() - 7); // the last batch is torn
        }
        store = open();
        PartitionLog log = store.partition(TP);
        assertEquals(3, log.logEndOffset());
        assertEquals(whole, Files.size(segment(0)));
        assertEquals(List.of("a", "b", "c"), values(log.read(0, 1 << 20, true).records()));
        assertEquals(3, append(batch(now, "g")).baseOffset(), "offsets continue after the repaired end");
    }

    @Test
    void aCorruptBatchEndsTheLog() throws Exception {
        long now = System.currentTimeMillis();
        append(batch(now, "a"));
        long firstEnd = Files.size(segment(0));
        append(batch(now, "b"));
        append(batch(now, "c"));
        store.close();
        try (RandomAccessFile f = new RandomAccessFile(segment(0).toFile(), "rw")) {
            f.seek(firstEnd + 70); // inside the second batch's records: its CRC no longer matches
            f.write(0x55);
        }
        store = open();
        assertEquals(1, store.partition(TP).logEndOffset());
        assertEquals(List.of("a"), values(store.partition(TP).read(0, 1 << 20, true).records()));
    }

    @Test
    void anIndexAheadOfTheFilesIsRebuilt() throws Exception {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 100; i++) {
            append(batch(now + i, "value-" + i + "-" + "x".repeat(100)));
        }
        store.close();
        try (RandomAccessFile f = new RandomAccessFile(segment(0).toFile(), "rw")) {
            f.setLength(f.length() / 2); // as if the OS lost the file's tail but LMDB kept its entries
        }
        store = open();
        PartitionLog log = store.partition(TP);
        long end = log.logEndOffset();
        assertEquals(true, end > 0 && end < 100);
        assertEquals("value-" + (end - 1) + "-" + "x".repeat(100), values(log.read(end - 1, 1 << 20, true).records()).get(0));
        assertEquals(end, append(batch(now, "next")).baseOffset());
        assertEquals(10, log.offsetForTimestamp(now + 10).offset);
    }

    @Test
    void deletedRecordsStayDeletedAndTheirSegmentsGo() throws Exception {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 3000; i++) { // ~1.5 MB: two segments
            append(batch(now + i, "value-" + i + "-" + "x".repeat(400)));
        }
        long secondSegment = Files.list(dir.resolve("t-0")).map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log") && !n.startsWith("0000000000000000000"))
                .mapToLong(n -> Long.parseLong(n.substring(0, 20))).min().orElseThrow();
        assertEquals(secondSegment + 10, store.partition(TP).deleteRecordsBefore(secondSegment + 10));
        assertEquals(false, Files.exists(segment(0)), "the first segment held only deleted records");
        reopen();
        PartitionLog log = store.partition(TP);
        assertEquals(secondSegment + 10, log.logStartOffset());
        assertEquals(3000, log.logEndOffset());
        org.junit.jupiter.api.Assertions.assertThrows(org.apache.kafka.common.errors.OffsetOutOfRangeException.class, () -> log.read(5, 100, true));
        assertEquals(secondSegment + 10, log.offsetForTimestamp(now).offset, "timestamp lookups start at the log start");
    }

    @Test
    void retentionDeletesWholeSegmentsByAgeAndBySize() throws Exception {
        long now = System.currentTimeMillis();
        long old = now - 10 * 24 * 3600 * 1000L; // ten days ago: older than the default retention.ms (7 days)
        String big = "x".repeat(100_000); // ten records fill a 1 MB segment
        for (int i = 0; i < 25; i++) { // segment 0: offsets 0-9, all old; segment 10: 10-19, new; active: 20-24
            append(batch(i < 10 ? old + i : now, big));
        }
        store.createTopic("sized", 1, Map.of("retention.bytes", "1", "segment.bytes", "1048576"));
        PartitionLog sized = store.partition(new TopicPartition("sized", 0));
        store.createTopic("compacted-only", 1, Map.of("cleanup.policy", "compact", "segment.bytes", "1048576"));
        PartitionLog compacted = store.partition(new TopicPartition("compacted-only", 0));
        for (int i = 0; i < 25; i++) {
            store.append(sized, batch(now, big), now);
            store.append(compacted, batch(old, big), now);
        }
        // when
        store.enforceRetention();
        // then
        PartitionLog aged = store.partition(TP);
        assertEquals(10, aged.logStartOffset(), "only the segment whose records are all old was deleted");
        assertEquals(false, Files.exists(segment(0)));
        assertEquals(true, Files.exists(segment(10)), "a segment with new records stays");
        assertEquals(25, aged.logEndOffset());
        assertEquals(20, sized.logStartOffset(), "retention.bytes deleted all but the active segment");
        assertEquals(0, compacted.logStartOffset(), "cleanup.policy=compact alone deletes nothing by age");
        reopen();
        assertEquals(10, store.partition(TP).logStartOffset(), "the new log start survives a restart");
        assertEquals(0, store.partition(new TopicPartition("compacted-only", 0)).logStartOffset());
    }

    @Test
    void segmentsRollBySegmentMs() throws Exception {
        store.createTopic("rolling", 1, Map.of("segment.ms", "1"));
        PartitionLog rolling = store.partition(new TopicPartition("rolling", 0));
        for (int i = 0; i < 3; i++) {
            store.append(rolling, batch(System.currentTimeMillis(), "v" + i), System.currentTimeMillis());
            Thread.sleep(5);
        }
        assertEquals(3, dir.resolve("rolling-0").toFile().list((d, n) -> n.endsWith(".log")).length);
        assertEquals(List.of("v1"), values(rolling.read(1, 1 << 20, true).records()).subList(0, 1));
    }

    @Test
    void deletedTopicLeavesNoFiles() throws Exception {
        append(batch(System.currentTimeMillis(), "a"));
        store.deleteTopic("t");
        assertEquals(false, Files.exists(dir.resolve("t-0")));
        reopen();
        assertEquals(null, store.topic("t"));
        assertEquals(null, store.partition(new TopicPartition("t", 1)));
    }

    @Test
    void transactionsSurviveARestart() throws Exception {
        append(batch(1000, "a"));
        appendTxn(8L, (short) 0, 0, "aborted");
        marker(8L, (short) 0, false);
        appendTxn(7L, (short) 0, 0, "open");
        append(batch(1000, "b"));
        reopen();
        PartitionLog log = store.partition(TP);
        assertEquals(3, log.lastStableOffset(), "the open transaction still holds the last stable offset");
        assertEquals(List.of(new AbortedTxn(8L, 1, 2, 3)), log.read(0, 1 << 20, true, true).abortedTxns());
        assertEquals(List.of("a", "aborted"), values(log.read(0, 1 << 20, true, true).records()));
        assertEquals(5, appendTxn(7L, (short) 0, 1, "more").baseOffset(), "the open transaction goes on without a new verification");
        marker(7L, (short) 0, true);
        assertEquals(log.logEndOffset(), log.lastStableOffset());
    }

    @Test
    void anEmptiedMarkerThatIsAllThatIsLeftOfItsProducerIsReplayed() throws Exception {
        long now = System.currentTimeMillis();
        append(batch(now, "a"));
        java.nio.ByteBuffer empty = java.nio.ByteBuffer.allocate(org.apache.kafka.common.record.internal.DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        org.apache.kafka.common.record.internal.DefaultRecordBatch.writeEmptyHeader(empty, RecordBatch.CURRENT_MAGIC_VALUE, 9L, (short) 0,
                RecordBatch.NO_SEQUENCE, 1, 1, RecordBatch.NO_PARTITION_LEADER_EPOCH, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                now, true, true); // a marker the cleaner emptied, after removing every other batch of producer 9
        empty.flip();
        PartitionLog log = store.partition(TP);
        log.storage().append(org.apache.kafka.common.record.internal.MemoryRecords.readableRecords(empty), -1, null, log.config());
        reopen();
        for (int i = 0; i < 100; i++) {
            append(batch(now + i, "value-" + i + "-" + "x".repeat(100)));
        }
        store.close();
        try (RandomAccessFile f = new RandomAccessFile(segment(0).toFile(), "rw")) {
            f.setLength(f.length() - 10); // a torn tail below the flushed point: the whole segment is replayed
        }
        store = open();
        assertEquals(101, store.partition(TP).logEndOffset(), "the replay goes on past the emptied marker; only the torn batch goes");
        assertEquals(List.of("value-98-" + "x".repeat(100)), values(store.partition(TP).read(100, 1 << 20, true).records()));
    }
}
