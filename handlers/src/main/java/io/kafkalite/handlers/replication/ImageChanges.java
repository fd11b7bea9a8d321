package io.kafkalite.handlers.replication;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;

/**
 * The partitions that changed between two metadata images. The applier keeps the objects of untouched topics and
 * partitions, so an image that changes one partition costs a reference check per topic plus that topic's partitions,
 * not a look at every partition of the cluster.
 */
final class ImageChanges {
    interface Visitor {
        /** {@code old} is gone: deleted, or re-created under the same name (its new partitions are visited as changed). */
        void topicGone(TopicImage old);

        /** Partition {@code p} of {@code t} is new or changed to {@code state}. */
        void partitionChanged(TopicImage t, int p, PartitionState state);
    }

    private ImageChanges() { }

    /** Visits what changed from {@code previous} to {@code image}: the topics gone first, then the partitions changed. */
    static void visit(MetadataImage previous, MetadataImage image, Visitor visitor) {
        for (TopicImage old : previous.topics().values()) {
            TopicImage t = image.topic(old.name());
            if (t == null || !t.id().equals(old.id())) {
                visitor.topicGone(old);
            }
        }
        for (TopicImage t : image.topics().values()) {
            TopicImage old = previous.topic(t.name());
            if (old == t) {
                continue;
            }
            boolean sameTopic = old != null && old.id().equals(t.id());
            for (int p = 0; p < t.partitions().size(); p++) {
                PartitionState ps = t.partitions().get(p);
                if (!sameTopic || p >= old.partitions().size() || old.partitions().get(p) != ps) {
                    visitor.partitionChanged(t, p, ps);
                }
            }
        }
    }
}
