package io.kafkalite.logstore;

import static io.kafkalite.logstore.LogStoreContract.batch;
import static io.kafkalite.logstore.LogStoreContract.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Several log.dirs: placement, finding partitions again, start-up checks, one failing directory. */
@Timeout(60)
class LogDirsTest {
    @TempDir
    Path root;

    private List<Path> dirs() {
        return List.of(root.resolve("a"), root.resolve("b"), root.resolve("c"));
    }

    private static String dirOf(LogStore store, TopicPartition tp) {
        return store.describeLogDirs(tp::equals).stream().filter(d -> !d.partitions().isEmpty()).findFirst().orElseThrow().path();
    }

    @Test
    void partitionsSpreadOverTheDirectoriesAndAreFoundThereAfterARestart() throws Exception {
        Map<TopicPartition, String> placed = new HashMap<>();
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            // when
            store.createTopic("t", 6, Map.of());
            for (int p = 0; p < 6; p++) {
                TopicPartition tp = new TopicPartition("t", p);
                store.append(store.partition(tp), batch(1000, "v" + p), 1000);
                placed.put(tp, dirOf(store, tp));
            }
            // then: two partitions per directory, each with its segment there, and only the first has the metadata rows
            for (Path d : dirs()) {
                long here = placed.values().stream().filter(d.toAbsolutePath().normalize().toString()::equals).count();
                assertEquals(2, here, d + " holds " + here);
            }
            for (Map.Entry<TopicPartition, String> e : placed.entrySet()) {
                assertTrue(Files.exists(Path.of(e.getValue(), e.getKey().toString(), "00000000000000000000.log")), e.toString());
            }
            assertEquals(List.of(2L, 2L, 2L), store.describeLogDirs(tp -> true).stream().map(d -> (long) d.partitions().size()).toList());
        }
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            // then: after a restart each is where it was, with its records
            for (Map.Entry<TopicPartition, String> e : placed.entrySet()) {
                assertEquals(e.getValue(), dirOf(store, e.getKey()));
                assertEquals(List.of("v" + e.getKey().partition()), values(store.partition(e.getKey()).read(0, 1000, true).records()));
                assertTrue(store.partition(e.getKey()).sizeInBytes() > 0);
            }
            // and: a new partition goes to the directory with the fewest
            store.deleteTopic("t");
            store.createTopic("u", 1, Map.of());
            store.createTopic("w", 2, Map.of());
            assertEquals(List.of(1L, 1L, 1L), store.describeLogDirs(tp -> true).stream().map(d -> (long) d.partitions().size()).toList());
        }
    }

    @Test
    void aPartitionInTwoDirectoriesStopsStartUp() throws Exception {
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            store.createTopic("t", 1, Map.of());
        }
        Path at = Path.of(dirOf0(dirs()));
        Path other = dirs().stream().filter(d -> !d.equals(at)).findFirst().orElseThrow();
        Files.createDirectories(other.resolve("t-0"));
        Files.copy(at.resolve("t-0").resolve(LogDir.PARTITION_METADATA), other.resolve("t-0").resolve(LogDir.PARTITION_METADATA));
        // when / then
        KafkaException e = assertThrows(KafkaException.class, () -> LogStore.open(dirs(), Map.of()));
        assertTrue(e.getMessage().contains("Duplicate log directories for t-0"), e.getMessage());
    }

    private String dirOf0(List<Path> dirs) {
        return dirs.stream().filter(d -> Files.exists(d.resolve("t-0"))).findFirst().orElseThrow().toString();
    }

    @Test
    void aStaleCopyOfADeletedTopicInAnotherDirectoryIsTrashedNotADuplicate() throws Exception {
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            store.createTopic("t", 1, Map.of());
            store.append(store.partition(new TopicPartition("t", 0)), batch(1000, "kept"), 1000);
        }
        Path at = Path.of(dirOf0(dirs()));
        Path other = dirs().stream().filter(d -> !d.equals(at)).findFirst().orElseThrow();
        Files.createDirectories(other.resolve("t-0"));
        Files.writeString(other.resolve("t-0").resolve(LogDir.PARTITION_METADATA), "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n");
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            assertEquals(List.of("kept"), values(store.partition(new TopicPartition("t", 0)).read(0, 1000, true).records()));
            assertFalse(Files.exists(other.resolve("t-0")));
        }
    }

    @Test
    void aPartitionMovedByHandWhileStoppedIsServedFromWhereItIsNow() throws Exception {
        TopicPartition tp = new TopicPartition("t", 0);
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            store.createTopic("t", 1, Map.of());
            store.append(store.partition(tp), batch(1000, "a0", "a1"), 1000);
        }
        Path a = Path.of(dirOf0(dirs()));
        Path b = dirs().stream().filter(d -> !d.equals(a)).findFirst().orElseThrow();
        // when: moved away, written to, and moved back
        Files.move(a.resolve("t-0"), b.resolve("t-0"));
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            assertEquals(b.toAbsolutePath().normalize().toString(), dirOf(store, tp));
            store.append(store.partition(tp), batch(1000, "b2"), 1000);
        }
        Files.move(b.resolve("t-0"), a.resolve("t-0"));
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            // then: every record at its offset, the next one after them (no rows of the first stay are used)
            PartitionLog log = store.partition(tp);
            assertEquals(List.of("a0", "a1", "b2"), values(log.read(0, 1000, true).records()));
            assertEquals(3, store.append(log, batch(1000, "a3"), 1000).baseOffset());
            assertEquals(List.of("b2", "a3"), values(log.read(2, 1000, true).records()));
        }
    }

    @Test
    void reorderedOrForeignDirectoriesStopStartUp() throws Exception {
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            store.createTopic("t", 3, Map.of());
        }
        // the metadata directory listed second
        KafkaException moved = assertThrows(KafkaException.class,
                () -> LogStore.open(List.of(root.resolve("b"), root.resolve("a"), root.resolve("c")), Map.of()));
        assertTrue(moved.getMessage().contains("it must be the first of log.dirs"), moved.getMessage());
        // a directory of another cluster
        try (LogStore other = LogStore.open(root.resolve("x"), Map.of())) {
            other.clusterId();
        }
        KafkaException foreign = assertThrows(KafkaException.class, () -> LogStore.open(List.of(root.resolve("a"), root.resolve("x")), Map.of()));
        assertTrue(foreign.getMessage().contains("it must be the first") || foreign.getMessage().contains("Invalid cluster.id"), foreign.getMessage());
        // the same directory twice
        assertThrows(org.apache.kafka.common.config.ConfigException.class, () -> LogStore.open(List.of(root.resolve("a"), root.resolve("a")), Map.of()));
        // and nothing was changed by the refusals
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            assertEquals(3, store.topic("t").partitions());
        }
    }

    @Test
    void aFullDirectoryTakesOnlyItsPartitionsOffline() throws Exception {
        // given: the second directory is a 2 MB filesystem
        Path small = Files.createDirectories(root.resolve("b"));
        Mounts.tmpfs(small, "2m");
        try (LogStore store = LogStore.open(dirs(), Map.of())) {
            store.createTopic("t", 3, Map.of());
            TopicPartition onSmall = new TopicPartition("t", 1);
            assertEquals(small.toAbsolutePath().normalize().toString(), dirOf(store, onSmall));
            // when: its partition fills it
            String big = "x".repeat(100_000);
            assertThrows(KafkaStorageException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    store.append(store.partition(onSmall), batch(1000, big), 1000);
                }
            });
            // then: that partition is offline, the others keep taking and serving records
            assertThrows(KafkaStorageException.class, () -> store.partition(onSmall).read(0, 100, true));
            assertTrue(store.partition(onSmall).isOffline());
            assertFalse(store.partition(new TopicPartition("t", 0)).isOffline());
            for (int p : new int[] {0, 2}) {
                PartitionLog log = store.partition(new TopicPartition("t", p));
                store.append(log, batch(1000, "still-" + p), 1000);
                assertEquals(List.of("still-" + p), values(log.read(0, 1000, true).records()));
            }
            List<LogDirDescription> described = store.describeLogDirs(tp -> true);
            assertEquals(List.of(false, true, false), described.stream().map(LogDirDescription::offline).toList());
            assertTrue(described.get(0).totalBytes() > 0 && described.get(0).usableBytes() > 0);
            // and: a new topic goes to the online directories only
            store.createTopic("n", 2, Map.of());
            assertFalse(dirOf(store, new TopicPartition("n", 0)).equals(small.toAbsolutePath().normalize().toString()));
            assertFalse(dirOf(store, new TopicPartition("n", 1)).equals(small.toAbsolutePath().normalize().toString()));
        } finally {
            Mounts.unmount(small);
        }
    }
}
