package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Why a request's partition has no log here. In cluster mode a broker keeps only the logs of the partitions whose
 * replicas include it: for the others, which its metadata knows, Kafka answers NOT_LEADER_OR_FOLLOWER (the client
 * refreshes its metadata and goes to the leader); UNKNOWN_TOPIC_OR_PARTITION only for a partition no one has. In
 * single-broker mode every partition has its log, so this is always the latter.
 */
public final class MissingPartition {
    private MissingPartition() { }

    public static Errors error(LogStore store, TopicPartition tp) {
        return store.exists(tp) ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }
}
