package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.logstore.LogStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TopicReconcilerTest {
    private final LogStore store = LogStore.inMemory(Map.of());
    private final TopicReconciler reconciler = new TopicReconciler(store, null, 1, () -> true);

    @AfterEach
    void close() {
        store.close();
    }

    private static TopicImage topic(String name, Uuid id, int partitions, Map<String, String> configs) {
        List<PartitionState> ps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ps.add(PartitionState.initial(List.of(1, 2, 3)));
        }
        return new TopicImage(name, id, configs, ps);
    }

    /** A topic whose partition p has the replicas {@code replicas[p]}, the first leading. */
    @SafeVarargs
    private static TopicImage placed(String name, Uuid id, List<Integer>... replicas) {
        List<PartitionState> ps = new ArrayList<>();
        for (List<Integer> r : replicas) {
            ps.add(PartitionState.initial(r));
        }
        return new TopicImage(name, id, Map.of(), ps);
    }

    /** A reassignment of a partition in progress: {@code replicas} holds the old and the new ones. */
    private static PartitionState reassigning(List<Integer> replicas, List<Integer> adding, List<Integer> removing) {
        return new PartitionState(replicas, replicas.get(0), 1, replicas, List.of(), 1, adding, removing);
    }

    private Set<Integer> logsHere(String topic) {
        Set<Integer> here = new TreeSet<>();
        for (int p = 0; p < store.topic(topic).partitions(); p++) {
            if (store.partition(new TopicPartition(topic, p)) != null) {
                here.add(p);
            }
        }
        return here;
    }

    private static MetadataImage image(long index, TopicImage... topics) {
        Map<String, TopicImage> byName = new HashMap<>();
        Map<Uuid, String> names = new HashMap<>();
        for (TopicImage t : topics) {
            byName.put(t.name(), t);
            names.put(t.id(), t.name());
        }
        return new MetadataImage(index, "cluster", Map.of(), byName, names, 0);
    }

    @Test
    void createsGrowsAltersAndDeletesWithTheImagesIds() throws Exception {
        Uuid a = Uuid.randomUuid();
        Uuid b = Uuid.randomUuid();
        reconciler.reconcile(image(1, topic("a", a, 2, Map.of("retention.ms", "1000")), topic("b", b, 1, Map.of())), true);
        assertEquals(a, store.topic("a").id());
        assertEquals(2, store.topic("a").partitions());
        assertEquals(Map.of("retention.ms", "1000"), store.topic("a").configs());
        assertEquals(b, store.topic("b").id());

        MetadataImage next = image(2, topic("a", a, 3, Map.of("retention.ms", "2000")));
        reconciler.reconcile(next, false);
        assertEquals(3, store.topic("a").partitions());
        assertEquals(Map.of("retention.ms", "2000"), store.topic("a").configs());
        assertNotNull(store.topic("b"), "not deleted while the image may be stale");

        reconciler.reconcile(next, true);
        assertNull(store.topic("b"));
        assertEquals(1, store.topics().size());
    }

    @Test
    void aLocalTopicWithAnotherIdIsReplacedOnlyOnceCaughtUp() throws Exception {
        Uuid old = Uuid.randomUuid();
        store.createTopic("c", old, 1, Map.of());
        Uuid current = Uuid.randomUuid();
        MetadataImage image = image(5, topic("c", current, 2, Map.of()));
        reconciler.reconcile(image, false);
        assertEquals(old, store.topic("c").id());
        reconciler.reconcile(image, true);
        assertEquals(current, store.topic("c").id());
        assertEquals(2, store.topic("c").partitions());
    }

    @Test
    void onlyThePartitionsAssignedToThisNodeGetALog() throws Exception {
        Uuid id = Uuid.randomUuid();
        reconciler.reconcile(image(1, placed("t", id, List.of(1, 2), List.of(2, 3), List.of(3, 1))), true);
        assertEquals(Set.of(0, 2), logsHere("t"));
        assertEquals(3, store.topic("t").partitions());
        assertTrue(store.exists(new TopicPartition("t", 1)), "known, its log on other brokers");

        // CreatePartitions: only the new partitions assigned here
        reconciler.reconcile(image(2, placed("t", id, List.of(1, 2), List.of(2, 3), List.of(3, 1), List.of(2, 3), List.of(1, 3))), true);
        assertEquals(Set.of(0, 2, 4), logsHere("t"));

        // a topic with nothing here is known without any log
        reconciler.reconcile(image(3, placed("t", id, List.of(1, 2), List.of(2, 3), List.of(3, 1), List.of(2, 3), List.of(1, 3)),
                placed("u", Uuid.randomUuid(), List.of(2, 3))), true);
        assertEquals(Set.of(), logsHere("u"));

        // deleting the topic deletes whatever is here
        reconciler.reconcile(image(4), true);
        assertNull(store.topic("t"));
        assertNull(store.topic("u"));
    }

    @Test
    void aReassignmentCreatesTheLogOfANewReplicaAndDeletesTheRemovedOneOnceCompleteAndCurrent() throws Exception {
        Uuid id = Uuid.randomUuid();
        reconciler.reconcile(image(1, placed("t", id, List.of(2, 3), List.of(1, 2))), true);
        assertEquals(Set.of(1), logsHere("t"));
        store.append(store.partition(new TopicPartition("t", 1)), MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes())),
                System.currentTimeMillis());

        // in progress: partition 0 gains this node, partition 1 is moving away from it (both still list it)
        TopicImage moving = new TopicImage("t", id, Map.of(), List.of(reassigning(List.of(2, 3, 1), List.of(1), List.of(2)),
                reassigning(List.of(1, 2, 3), List.of(3), List.of(1))));
        reconciler.reconcile(image(2, moving), true);
        assertEquals(Set.of(0, 1), logsHere("t"));
        assertEquals(0, store.partition(new TopicPartition("t", 0)).logEndOffset(), "the new replica starts empty and catches up");

        // complete: partition 1 no longer lists this node; its log goes only once the image is known to be current
        MetadataImage done = image(3, placed("t", id, List.of(3, 1), List.of(2, 3)));
        reconciler.reconcile(done, false);
        assertEquals(Set.of(0, 1), logsHere("t"), "a replayed old image deletes nothing");
        reconciler.reconcile(done, true);
        assertEquals(Set.of(0), logsHere("t"));

        // and a later reassignment back creates it again, empty
        reconciler.reconcile(image(4, placed("t", id, List.of(3, 1), List.of(1, 2))), true);
        assertEquals(Set.of(0, 1), logsHere("t"));
        assertEquals(0, store.partition(new TopicPartition("t", 1)).logEndOffset());
    }
}
