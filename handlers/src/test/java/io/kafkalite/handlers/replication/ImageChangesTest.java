package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class ImageChangesTest {
    private static TopicImage topic(String name, Uuid id, int partitions) {
        List<PartitionState> states = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            states.add(PartitionState.initial(List.of(1, 2)));
        }
        return new TopicImage(name, id, Map.of(), states);
    }

    private static MetadataImage image(long index, TopicImage... topics) {
        Map<String, TopicImage> byName = new HashMap<>();
        Map<Uuid, String> names = new HashMap<>();
        for (TopicImage t : topics) {
            byName.put(t.name(), t);
            names.put(t.id(), t.name());
        }
        return new MetadataImage(index, "c", Map.of(), byName, names, 0);
    }

    /** What {@link ImageChanges#visit} reports, in order: "gone NAME" and "NAME-P". */
    private static List<String> changes(MetadataImage previous, MetadataImage image) {
        List<String> seen = new ArrayList<>();
        ImageChanges.visit(previous, image, new ImageChanges.Visitor() {
            @Override
            public void topicGone(TopicImage old) {
                seen.add("gone " + old.name());
            }

            @Override
            public void partitionChanged(TopicImage t, int p, PartitionState state) {
                seen.add(t.name() + "-" + p);
            }
        });
        return seen;
    }

    @Test
    void anImageThatChangesOnePartitionVisitsThatPartitionOnly() {
        TopicImage big = topic("big", Uuid.randomUuid(), 10_000);
        TopicImage small = topic("small", Uuid.randomUuid(), 3);
        MetadataImage before = image(1, big, small);
        assertEquals(10_003, changes(MetadataImage.EMPTY, before).size(), "from nothing: every partition");

        List<PartitionState> states = new ArrayList<>(big.partitions());
        states.set(4242, new PartitionState(List.of(1, 2), 2, 1, List.of(2), List.of(), 1, List.of(), List.of()));
        MetadataImage after = image(2, new TopicImage("big", big.id(), Map.of(), states), small);
        assertEquals(List.of("big-4242"), changes(before, after));

        TopicImage reconfigured = new TopicImage("big", big.id(), Map.of("retention.ms", "1"), states);
        assertEquals(List.of(), changes(after, image(3, reconfigured, small)), "a config change keeps the partitions");
        states.add(PartitionState.initial(List.of(2, 1)));
        assertEquals(List.of("big-10000"), changes(after, image(4, new TopicImage("big", big.id(), Map.of(), states), small)));
    }

    @Test
    void aDeletedOrRecreatedTopicIsGoneBeforeItsNewPartitionsChange() {
        MetadataImage before = image(1, topic("a", Uuid.randomUuid(), 2), topic("b", Uuid.randomUuid(), 1));
        List<String> seen = changes(before, image(2, topic("a", Uuid.randomUuid(), 1)));
        assertEquals(Set.of("gone a", "gone b"), Set.copyOf(seen.subList(0, 2)));
        assertEquals(List.of("a-0"), seen.subList(2, seen.size()));
    }
}
