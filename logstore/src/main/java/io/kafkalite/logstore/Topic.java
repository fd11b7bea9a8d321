package io.kafkalite.logstore;

import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * A topic as the broker knows it: name, id, partition count and its own config overrides
 * (broker defaults are not copied in, so a changed default applies to every topic).
 */
public record Topic(String name, Uuid id, int partitions, Map<String, String> configs) {
    public Topic {
        configs = Map.copyOf(configs);
    }

    public Topic withPartitions(int count) {
        return new Topic(name, id, count, configs);
    }

    public Topic withConfigs(Map<String, String> newConfigs) {
        return new Topic(name, id, partitions, newConfigs);
    }
}
