package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/**
 * The checks Kafka makes before creating a topic, shared by CreateTopics and Metadata auto-creation.
 * One broker means the replication factor can only be 1.
 */
final class TopicCreator {
    private final LogStore store;
    private final BrokerConfig config;

    TopicCreator(LogStore store, BrokerConfig config) {
        this.store = store;
        this.config = config;
    }

    /** -1 means num.partitions. */
    int resolvePartitions(int requested) {
        int partitions = requested == -1 ? config.numPartitions() : requested;
        if (partitions <= 0) {
            throw new InvalidPartitionsException("Number of partitions must be larger than 0.");
        }
        return partitions;
    }

    /** -1 means default.replication.factor. */
    short resolveReplicationFactor(short requested) {
        short rf = requested == -1 ? config.defaultReplicationFactor() : requested;
        if (rf <= 0) {
            throw new InvalidReplicationFactorException("Replication factor must be larger than 0.");
        }
        if (rf > 1) {
            throw new InvalidReplicationFactorException("Unable to replicate the partition " + rf
                    + " time(s): The target replication factor of " + rf + " cannot be reached because only 1 broker(s) are registered.");
        }
        return rf;
    }

    /** Names given more than once in one request (Kafka answers each of them INVALID_REQUEST). */
    static java.util.Set<String> duplicates(java.util.stream.Stream<String> names) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Set<String> twice = new java.util.HashSet<>();
        names.forEach(n -> {
            if (!seen.add(n)) {
                twice.add(n);
            }
        });
        return twice;
    }

    static void validateName(String name) {
        try {
            Topic.validate(name);
        } catch (org.apache.kafka.common.errors.InvalidTopicException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidTopicException(e.getMessage());
        }
    }

    static void validateConfigs(Map<String, String> configs) {
        try {
            io.kafkalite.logstore.LogConfig.validate(configs);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage());
        }
    }

    io.kafkalite.logstore.Topic create(String name, int partitions, Map<String, String> configs) throws IOException {
        validateName(name);
        validateConfigs(configs);
        return store.createTopic(name, partitions, configs);
    }
}
