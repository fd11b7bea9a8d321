package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.logstore.LogStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TopicReconcilerTest {
    private final LogStore store = LogStore.inMemory(Map.of());
    private final TopicReconciler reconciler = new TopicReconciler(store, null, () -> true);

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
    void theRolesHearOfEachTopicWhoseLogsWereCreatedOrGrown() {
        List<String> created = new ArrayList<>();
        reconciler.onLogsCreated(created::add);
        Uuid a = Uuid.randomUuid();
        reconciler.reconcile(image(1, topic("a", a, 1, Map.of())), true);
        assertEquals(List.of("a"), created);
        reconciler.reconcile(image(2, topic("a", a, 1, Map.of("retention.ms", "1000"))), true);
        assertEquals(List.of("a"), created, "a config change creates no log");
        reconciler.reconcile(image(3, topic("a", a, 2, Map.of("retention.ms", "1000"))), true);
        assertEquals(List.of("a", "a"), created);
    }
}
