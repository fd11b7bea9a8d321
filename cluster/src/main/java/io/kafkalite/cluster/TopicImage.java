package io.kafkalite.cluster;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/** A topic in the cluster metadata: name, id, config overrides and its partitions' states (index = partition). */
public record TopicImage(String name, Uuid id, Map<String, String> configs, List<PartitionState> partitions) {
    public TopicImage {
        configs = Map.copyOf(configs);
        partitions = List.copyOf(partitions);
    }

    public PartitionState partition(int p) {
        return p >= 0 && p < partitions.size() ? partitions.get(p) : null;
    }
}
