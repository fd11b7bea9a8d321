package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * A follower that truncates and appends in a loop until it is killed (by {@link TruncationCrashTest}).
 * Every record's value is "o{offset}-e{epoch}", so a reader can tell a record from one that replaced it.
 * Producer 7 is idempotent (its sequence is the offset), producer 9 transactional.
 */
public final class TruncationCrashChild {
    static final TopicPartition TP = new TopicPartition("t", 0);

    public static void main(String[] args) throws Exception {
        Random random = new Random(Long.parseLong(args[1]));
        LogStore store = LogStore.open(Path.of(args[0]), Map.of("log.segment.bytes", "1048576", "log.cleaner.enable", "false"));
        if (store.topic("t") == null) {
            store.createTopic("t", 1, Map.of());
        }
        PartitionLog log = store.partition(TP);
        log.setReplicated(true);
        int epoch = Math.max(1, log.latestEpoch() + 1);
        System.out.println("started at " + log.logEndOffset());
        while (true) {
            log.becomeFollower(epoch);
            long end = log.logEndOffset();
            store.truncateTo(log, Math.max(0, end - random.nextInt(60)));
            for (int i = random.nextInt(30); i >= 0; i--) {
                store.appendAsFollower(log, next(log.logEndOffset(), epoch, random));
            }
            store.updateHighWatermark(log, log.logEndOffset() - random.nextInt(5));
            epoch++;
        }
    }

    static MemoryRecords next(long offset, int epoch, Random random) {
        int kind = random.nextInt(10);
        if (kind == 0) {
            return MemoryRecords.withEndTransactionMarker(offset, System.currentTimeMillis(), epoch, 9L, (short) 0,
                    new EndTransactionMarker(random.nextBoolean() ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 0));
        }
        long pid = kind < 4 ? 9L : 7L;
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(16_384), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, offset, System.currentTimeMillis(), pid, (short) 0, (int) offset, pid == 9L, epoch);
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            b.append(new SimpleRecord(System.currentTimeMillis(), null, ("o" + (offset + i) + "-e" + epoch + "-" + "x".repeat(2000)).getBytes()));
        }
        return b.build();
    }
}
