package io.kafkalite.logstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a follower that truncates and appends: every restart finds a consistent log, producer state and epoch cache. */
class TruncationCrashTest {
    @TempDir
    Path dir;

    @Test
    void aKilledFollowerRecoversAConsistentLog() throws Exception {
        java.util.Random random = new java.util.Random();
        long seed = random.nextLong();
        for (int round = 0; round < 6; round++) {
            Path out = dir.resolve("child-" + round + ".log");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), TruncationCrashChild.class.getName(), dir.resolve("store").toString(),
                    String.valueOf(seed + round))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                waitForStart(out, child);
                Thread.sleep(200 + random.nextInt(1500));
            } finally {
                child.destroyForcibly(); // SIGKILL
                child.waitFor(30, TimeUnit.SECONDS);
            }
            try (LogStore store = LogStore.open(dir.resolve("store"), Map.of("log.cleaner.enable", "false"))) {
                PartitionLog log = store.partition(TruncationCrashChild.TP);
                check(log, "round " + round + " (seed " + seed + ")");
                if (round == 5) { // and it truncates and appends correctly afterwards
                    long half = log.logEndOffset() / 2;
                    store.truncateTo(log, half);
                    store.appendAsFollower(log, TruncationCrashChild.next(log.logEndOffset(), 1000, random));
                    check(log, "after a last truncation");
                }
            }
        }
    }

    private static void waitForStart(Path out, Process child) throws Exception {
        for (int i = 0; i < 300; i++) {
            if (Files.exists(out) && Files.readString(out).contains("started at")) {
                return;
            }
            if (!child.isAlive()) {
                throw new AssertionError("the child died: " + Files.readString(out));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the child did not start: " + Files.readString(out));
    }

    /** Offsets continue, every record is the one its value names, and producer state and epoch cache are what the log says. */
    private static void check(PartitionLog log, String when) throws Exception {
        long next = log.logStartOffset();
        TreeMap<Integer, Long> epochs = new TreeMap<>();
        long txnFirst = -1;
        int lastSeq7 = -1;
        while (next < log.logEndOffset()) {
            Records records = log.readForReplica(next, 1 << 20).records();
            assertTrue(records.sizeInBytes() > 0, when + ": nothing at " + next);
            for (RecordBatch b : records.batches()) {
                assertEquals(next, b.baseOffset(), when + ": offsets continue");
                b.ensureValid();
                if (epochs.isEmpty() || b.partitionLeaderEpoch() > epochs.lastKey()) {
                    epochs.put(b.partitionLeaderEpoch(), b.baseOffset());
                }
                assertEquals(epochs.lastKey(), b.partitionLeaderEpoch(), when + ": epochs never go back");
                if (b.isControlBatch()) {
                    assertEquals(9L, b.producerId());
                    EndTransactionMarker.deserialize(b.iterator().next()).controlType();
                    txnFirst = -1;
                } else {
                    for (Record r : b) {
                        String value = java.nio.charset.StandardCharsets.UTF_8.decode(r.value()).toString();
                        assertTrue(value.startsWith("o" + r.offset() + "-e" + b.partitionLeaderEpoch() + "-"), when + ": record " + r.offset());
                    }
                    if (b.producerId() == 9L && txnFirst < 0) {
                        txnFirst = b.baseOffset();
                    } else if (b.producerId() == 7L) {
                        lastSeq7 = b.lastSequence();
                    }
                }
                next = b.nextOffset();
            }
        }
        assertEquals(epochs, new TreeMap<>(log.epochs().entries()), when + ": the epoch cache");
        Map<Long, ProducerStateTable.ProducerEntry> producers = log.producers();
        if (lastSeq7 >= 0) {
            assertEquals(lastSeq7, producers.get(7L).lastSequence(), when + ": producer 7's sequence");
        }
        long open = producers.containsKey(9L) ? producers.get(9L).currentTxnFirstOffset() : -1;
        assertEquals(txnFirst, open, when + ": producer 9's open transaction");
        assertEquals(Math.min(txnFirst < 0 ? Long.MAX_VALUE : txnFirst, log.highWatermark()), log.lastStableOffset(), when + ": LSO");
    }
}
