package io.kafkalite.cluster;

import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * The cluster metadata at one point of the replicated log: immutable, so a handler reads one consistent
 * picture without locks. {@link MetadataQuorum#image()} always returns the latest applied one.
 * The replicated key/value tables (committed offsets, group metadata, ...) are not held here: each node keeps
 * them in its own LMDB durable maps (see {@link MetadataRecord.DurableMapWrite}).
 *
 * @param appliedIndex   the Ratis log index of the last record applied
 * @param clusterId      agreed by the first record of the log
 * @param nextProducerId the first producer id of the next block {@link MetadataRecord.AllocateProducerIds} hands out
 * @param coordinatorEpoch the epoch of the current coordinators ({@link MetadataRecord.CoordinatorEpoch}), -1 before any:
 *                         coordinator table writes of an older epoch are refused
 * @param minInsyncReplicas the cluster's default {@code min.insync.replicas} (the quorum leader's broker setting,
 *                          {@link MetadataRecord.MinInsyncReplicasDefault}) for the ELR rules of topics without their own
 */
public record MetadataImage(long appliedIndex, String clusterId, Map<Integer, BrokerRegistration> brokers,
                            Map<String, TopicImage> topics, Map<Uuid, String> topicNames, long nextProducerId,
                            long coordinatorEpoch, int minInsyncReplicas) {
    public static final MetadataImage EMPTY = new MetadataImage(-1, null, Map.of(), Map.of(), Map.of(), 0);

    public MetadataImage {
        brokers = Map.copyOf(brokers); // the same instance when already immutable: an unchanged map costs nothing
        topics = Map.copyOf(topics);
        topicNames = Map.copyOf(topicNames);
    }

    /** An image with Kafka's default min.insync.replicas (1). */
    public MetadataImage(long appliedIndex, String clusterId, Map<Integer, BrokerRegistration> brokers,
                         Map<String, TopicImage> topics, Map<Uuid, String> topicNames, long nextProducerId,
                         long coordinatorEpoch) {
        this(appliedIndex, clusterId, brokers, topics, topicNames, nextProducerId, coordinatorEpoch, 1);
    }

    /** An image before any coordinator epoch. */
    public MetadataImage(long appliedIndex, String clusterId, Map<Integer, BrokerRegistration> brokers,
                         Map<String, TopicImage> topics, Map<Uuid, String> topicNames, long nextProducerId) {
        this(appliedIndex, clusterId, brokers, topics, topicNames, nextProducerId, -1);
    }

    /** The same state at a later log index (a record that changed nothing here). */
    public MetadataImage withAppliedIndex(long index) {
        return new MetadataImage(index, clusterId, brokers, topics, topicNames, nextProducerId, coordinatorEpoch,
                minInsyncReplicas);
    }

    public TopicImage topic(String name) {
        return topics.get(name);
    }

    public TopicImage topic(Uuid id) {
        String name = topicNames.get(id);
        return name == null ? null : topics.get(name);
    }

    public PartitionState partition(String topic, int partition) {
        TopicImage t = topics.get(topic);
        return t == null ? null : t.partition(partition);
    }

    public BrokerRegistration broker(int id) {
        return brokers.get(id);
    }
}
