package io.kafkalite.handlers.replication;

import io.kafkalite.logstore.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * TEMPORARY placeholder (branch leaders) of the follower side built on branch fetcher: only the two methods
 * {@link ReplicaManager} calls. Replaced by branch fetcher's class when it lands.
 */
public final class ReplicaFetcherManager {
    /** Starts (or moves) replicating {@code tp} from {@code leaderId} at {@code leaderEpoch} into {@code log}. */
    public void follow(TopicPartition tp, Uuid topicId, PartitionLog log, int leaderId, int leaderEpoch) {
    }

    /** Stops replicating {@code tp}. */
    public void stopFollowing(TopicPartition tp) {
    }
}
