package io.kafkalite.handlers.replication;

import io.kafkalite.logstore.PartitionLog;
import org.apache.kafka.common.Uuid;

/**
 * What a fetcher thread knows of one followed partition. Immutable: the thread swaps states under its lock.
 * @param fetchOffset while truncating, the offset to truncate to when the leader knows no epoch of ours (the high
 *        watermark at first); while fetching, the next offset to fetch
 * @param delayedUntilMs the partition is left out of requests until then (a back-off after an error)
 */
record PartitionFetchState(Uuid topicId, PartitionLog log, int leaderEpoch, long fetchOffset, Phase phase, long delayedUntilMs) {

    enum Phase {
        /** Asks the leader where its log and ours part (OffsetForLeaderEpoch) before fetching. */
        TRUNCATING,
        FETCHING,
        /** The leader has a newer epoch than ours: nothing is asked until follow() brings the new one. */
        PAUSED
    }

    static PartitionFetchState start(Uuid topicId, PartitionLog log, int leaderEpoch) {
        return new PartitionFetchState(topicId, log, leaderEpoch, log.highWatermark(), Phase.TRUNCATING, 0);
    }

    boolean isReady(Phase wanted, long nowMs) {
        return phase == wanted && delayedUntilMs <= nowMs;
    }

    PartitionFetchState fetchingAt(long offset) {
        return new PartitionFetchState(topicId, log, leaderEpoch, offset, Phase.FETCHING, 0);
    }

    PartitionFetchState truncatingAt(long offset) {
        return new PartitionFetchState(topicId, log, leaderEpoch, offset, Phase.TRUNCATING, 0);
    }

    PartitionFetchState paused() {
        return new PartitionFetchState(topicId, log, leaderEpoch, fetchOffset, Phase.PAUSED, 0);
    }

    PartitionFetchState delayedUntil(long untilMs) {
        return new PartitionFetchState(topicId, log, leaderEpoch, fetchOffset, phase, untilMs);
    }
}
