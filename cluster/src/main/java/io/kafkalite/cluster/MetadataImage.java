package io.kafkalite.cluster;

import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * The cluster metadata at one point of the replicated log: immutable, so a handler reads one consistent
 * picture without locks. {@link MetadataQuorum#image()} always returns the latest applied one.
 *
 * @param appliedIndex the Ratis log index of the last record applied
 * @param clusterId    agreed by the first record of the log
 * @param durableMaps  replicated key/value tables (committed offsets, group metadata, transactions, ACLs,
 *                     SCRAM credentials, quotas, dynamic broker configs): map name -> the table's content is
 *                     NOT held here; each broker keeps them in its local LMDB durable maps (see
 *                     {@link MetadataRecord.DurableMapWrite}); only their names are listed
 */
public record MetadataImage(long appliedIndex, String clusterId, Map<Integer, BrokerRegistration> brokers,
                            Map<String, TopicImage> topics, Map<Uuid, String> topicNames, long nextProducerId,
                            java.util.Set<String> durableMaps) {
    public static final MetadataImage EMPTY = new MetadataImage(-1, null, Map.of(), Map.of(), Map.of(), 0, java.util.Set.of());

    public MetadataImage {
        brokers = Map.copyOf(brokers);
        topics = Map.copyOf(topics);
        topicNames = Map.copyOf(topicNames);
        durableMaps = java.util.Set.copyOf(durableMaps);
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
