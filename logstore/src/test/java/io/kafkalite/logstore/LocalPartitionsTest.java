package io.kafkalite.logstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cluster mode's topics of which only some partitions have a log here: on disk, across restarts, in every loop. */
class LocalPartitionsTest {
    private static final Uuid ID = Uuid.randomUuid();

    @TempDir
    Path dir;
    private LogStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private LogStore open() throws Exception {
        return LogStore.open(dir, Map.of());
    }

    private void reopen() throws Exception {
        store.close();
        store = open();
    }

    /** The partition directories on disk (deleted ones, renamed to *-delete, left out). */
    private Set<String> partitionDirs() throws Exception {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("t-") && !n.endsWith("-delete")).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    private Set<Integer> local() {
        Set<Integer> local = new TreeSet<>();
        for (int p = 0; p < store.topic("t").partitions(); p++) {
            if (store.partition(new TopicPartition("t", p)) != null) {
                local.add(p);
            }
        }
        return local;
    }

    @Test
    void onlyTheLocalPartitionsHaveLogsFilesAndDescriptionsAcrossRestarts() throws Exception {
        store = open();
        store.createTopic("t", ID, 3, Map.of(), Set.of(0, 2));
        assertEquals(Set.of(0, 2), local());
        assertTrue(store.exists(new TopicPartition("t", 1)), "the topic has the partition, only its log is elsewhere");
        assertFalse(store.exists(new TopicPartition("t", 3)));
        assertEquals(Set.of("t-0", "t-2"), partitionDirs());
        List<PartitionLog> described = store.describeLogDirs(tp -> true).get(0).partitions();
        assertEquals(Set.of(0, 2), new TreeSet<>(described.stream().map(p -> p.topicPartition().partition()).toList()));
        store.append(store.partition(new TopicPartition("t", 2)), LogStoreContract.batch(System.currentTimeMillis(), "a"), System.currentTimeMillis());

        store.enforceRetention(); // the background loops pass over the partitions without a log
        store.expireProducers(1);
        store.alterConfigs("t", Map.of("retention.ms", "1000"));
        store.updateBrokerDefaults(Map.of("log.retention.hours", "1"));

        reopen();
        assertEquals(3, store.topic("t").partitions());
        assertEquals(ID, store.topic("t").id());
        assertEquals(Map.of("retention.ms", "1000"), store.topic("t").configs());
        assertEquals(Set.of(0, 2), local());
        assertEquals(1, store.partition(new TopicPartition("t", 2)).logEndOffset());
        assertEquals(Set.of("t-0", "t-2"), partitionDirs());
    }

    @Test
    void aPartitionLogIsAddedAndDeletedAndTheTopicGrowsWithOnlyItsLocalPartitions() throws Exception {
        store = open();
        store.createTopic("t", ID, 2, Map.of(), Set.of(0));
        PartitionLog added = store.addLocalPartition(new TopicPartition("t", 1));
        assertSame(added, store.addLocalPartition(new TopicPartition("t", 1)), "adding it again keeps the open log");
        assertEquals(Set.of("t-0", "t-1"), partitionDirs());

        store.append(store.partition(new TopicPartition("t", 0)), LogStoreContract.batch(System.currentTimeMillis(), "a"), System.currentTimeMillis());
        store.deleteLocalPartition(new TopicPartition("t", 0));
        assertNull(store.partition(new TopicPartition("t", 0)));
        assertTrue(store.exists(new TopicPartition("t", 0)));
        assertEquals(Set.of("t-1"), partitionDirs());

        store.createPartitions("t", 4, Set.of(1, 3));
        assertEquals(Set.of(1, 3), local());
        assertEquals(Set.of("t-1", "t-3"), partitionDirs());

        reopen();
        assertEquals(4, store.topic("t").partitions());
        assertEquals(Set.of(1, 3), local());

        PartitionLog back = store.addLocalPartition(new TopicPartition("t", 0));
        assertEquals(0, back.logEndOffset(), "a partition added again starts empty (it catches up from its leader)");
        reopen();
        assertEquals(Set.of(0, 1, 3), local());

        store.deleteTopic("t");
        assertEquals(Set.of(), partitionDirs());
        reopen();
        assertNull(store.topic("t"));
    }

    @Test
    void aTopicWithNoLogHereIsStillKnown() throws Exception {
        store = open();
        store.createTopic("t", ID, 2, Map.of(), Set.of());
        assertEquals(Set.of(), partitionDirs());
        reopen();
        assertNotNull(store.topic("t"));
        assertEquals(Set.of(), local());
        assertTrue(store.exists(new TopicPartition("t", 1)));
    }
}
