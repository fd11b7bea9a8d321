package io.kafkalite.logstore;

import static io.kafkalite.logstore.LogStoreContract.batch;
import static io.kafkalite.logstore.LogStoreContract.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Faults the file store must survive without a false acknowledgement or a hang. */
@Timeout(60)
class LogStoreFaultTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;

    @Test
    void aFullDiskFailsTheWriteTakesTheDirectoryOfflineAndLosesNothingAcknowledged() throws Exception {
        // given: a 3 MB filesystem
        Path mount = Files.createDirectories(dir.resolve("small"));
        Mounts.tmpfs(mount, "3m");
        try {
            long pid = 42;
            String big = "x".repeat(100_000);
            List<Long> acknowledged = new ArrayList<>();
            KafkaStorageException refused = null;
            int seq = 0;
            try (LogStore store = LogStore.open(mount, Map.of())) {
                store.createTopic("t", 1, Map.of());
                PartitionLog log = store.partition(TP);
                // when: an idempotent producer writes until the disk is full
                for (; seq < 100 && refused == null; seq++) {
                    try {
                        acknowledged.add(store.append(log, batch(pid, (short) 0, seq, 1000, big + seq), 1000).baseOffset());
                    } catch (KafkaStorageException e) {
                        refused = e;
                    }
                }
                // then: the write is refused, and so is its retry (never answered as a duplicate)
                assertTrue(refused != null, "the disk filled up");
                int failedSeq = seq - 1;
                assertThrows(KafkaStorageException.class, () -> store.append(log, batch(pid, (short) 0, failedSeq, 1000, big + failedSeq), 1000));
                assertThrows(KafkaStorageException.class, () -> log.read(0, 100, true), "the directory is offline");
                assertThrows(KafkaStorageException.class, () -> store.createTopic("other", 1, Map.of()));
            }
            // when: space is added and the broker restarts
            Mounts.resize(mount, "20m");
            try (LogStore store = LogStore.open(mount, Map.of())) {
                PartitionLog log = store.partition(TP);
                // then: every acknowledged record is there, and the refused batch is written anew, not deduplicated
                assertEquals(acknowledged.size(), log.logEndOffset());
                for (int i = 0; i < acknowledged.size(); i++) {
                    assertEquals(List.of(big + i), values(log.read(acknowledged.get(i), 200_000, true).records()).subList(0, 1));
                }
                int failedSeq = seq - 1;
                assertEquals(acknowledged.size(), store.append(log, batch(pid, (short) 0, failedSeq, 1000, big + failedSeq), 1000).baseOffset());
            }
        } finally {
            Mounts.unmount(mount);
        }
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefusedAndTouchesNothing() throws Exception {
        try (LogStore first = LogStore.open(dir, Map.of())) {
            first.createTopic("t", 1, Map.of());
            first.append(first.partition(TP), batch(1000, "a", "b"), 1000);
            KafkaException e = assertThrows(KafkaException.class, () -> LogStore.open(dir, Map.of()));
            assertTrue(e.getMessage().contains("Failed to acquire lock"), e.getMessage());
            assertEquals(List.of("a", "b"), values(first.partition(TP).read(0, 1000, true).records()));
        }
    }

    @Test
    void aDeletedTopicsLeftoverDirectoryNeverServesARecreatedTopic() throws Exception {
        Path saved = dir.resolve("saved");
        try (LogStore store = LogStore.open(dir.resolve("data"), Map.of())) {
            store.createTopic("t", 1, Map.of());
            store.append(store.partition(TP), batch(1000, "old"), 1000);
            copyTree(dir.resolve("data/t-0"), saved);
            store.deleteTopic("t");
        }
        // a crash after LMDB forgot the topic but before its directory was renamed leaves this behind
        copyTree(saved, dir.resolve("data/t-0"));
        try (LogStore store = LogStore.open(dir.resolve("data"), Map.of())) {
            store.createTopic("t", 1, Map.of());
            assertEquals(0, store.partition(TP).logEndOffset(), "the re-created topic starts empty");
            store.append(store.partition(TP), batch(1000, "new"), 1000);
            assertEquals(List.of("new"), values(store.partition(TP).read(0, 1000, true).records()));
        }
        try (var files = Files.list(dir.resolve("data"))) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-delete")).toList(),
                    "the old directory went to the trash and was deleted");
        }
    }

    @Test
    void aDeletedTopicsFilesAreRenamedAtOnceAndDeletedAfterTheDelay() throws Exception {
        try (LogStore store = LogStore.open(dir, Map.of())) {
            store.createTopic("t", 1, Map.of("file.delete.delay.ms", "2000")); // long enough to see the trash on a busy machine
            store.append(store.partition(TP), batch(1000, "a"), 1000);
            store.deleteTopic("t");
            assertEquals(false, Files.exists(dir.resolve("t-0")));
            assertEquals(1, trash().size(), "renamed to -delete");
            long deadline = System.currentTimeMillis() + 10_000;
            while (!trash().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of(), trash());
        }
    }

    private List<String> trash() throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-delete")).toList();
        }
    }

    @Test
    void idleProducersExpireFromMemoryAndFromLmdb() throws Exception {
        try (LogStore store = LogStore.open(dir, Map.of())) {
            store.createTopic("t", 1, Map.of());
            PartitionLog log = store.partition(TP);
            long now = System.currentTimeMillis();
            for (int pid = 0; pid < 1000; pid++) {
                store.append(log, batch(pid, (short) 0, 0, now, "v"), now);
            }
            assertEquals(1000, log.producerCount());
            assertEquals(0, log.expireProducers(now + 1000, 86_400_000L), "not idle long enough");
            assertEquals(1000, log.expireProducers(now + 86_400_000L, 86_400_000L));
            assertEquals(0, log.producerCount());
        }
        try (LogStore store = LogStore.open(dir, Map.of())) {
            assertEquals(0, store.partition(TP).producerCount(), "the expiry reached LMDB");
        }
    }

    @Test
    void maxTimestampAndTimeLookupsStayRightAcrossARestart() throws Exception {
        try (LogStore store = LogStore.open(dir, Map.of())) {
            store.createTopic("t", 1, Map.of("segment.bytes", "1048576"));
            store.append(store.partition(TP), batch(100, "a".repeat(500_000)), 1000);
            // the last batch before the restart has the largest timestamp, and no index point follows it
            store.append(store.partition(TP), batch(500, "b".repeat(500_000)), 1000);
        }
        try (LogStore store = LogStore.open(dir, Map.of())) {
            store.append(store.partition(TP), batch(200, "c".repeat(100_000)), 1000); // rolls: a new segment with smaller timestamps
        }
        try (LogStore store = LogStore.open(dir, Map.of())) {
            PartitionLog log = store.partition(TP);
            assertEquals(1, log.maxTimestamp().offset);
            assertEquals(500, log.maxTimestamp().timestamp);
            assertEquals(1, log.offsetForTimestamp(300).offset);
        }
    }

    @Test
    void aWriteWithAnOverlongKeyFailsAloneAndOthersComplete() throws Exception {
        try (LogStore store = LogStore.open(dir, Map.of())) {
            DurableMap table = store.durableMap("test");
            CompletableFuture<Void> bad = table.write(List.of(Map.entry(new byte[1000], new byte[] {1})));
            List<CompletableFuture<Void>> good = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                good.add(table.write(List.of(Map.entry(("k" + i).getBytes(), new byte[] {2}))));
            }
            for (CompletableFuture<Void> f : good) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertThrows(Exception.class, () -> bad.get(10, TimeUnit.SECONDS));
            store.createTopic("after", 1, Map.of()); // a synced write still goes through
            int[] count = {0};
            table.forEach((k, v) -> count[0]++);
            assertEquals(100, count[0]);
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

}
