package io.kafkalite.handlers.replication;

/**
 * Where a follower cuts its log, given the leader's OffsetForLeaderEpoch answer for the follower's latest
 * epoch (Kafka's KIP-101 / KIP-279 rule, AbstractFetcherThread's getOffsetTruncationState).
 */
final class Truncation {
    static final int UNDEFINED_EPOCH = -1;
    static final long UNDEFINED_OFFSET = -1L;

    /** The offset to truncate to (and then fetch from); not completed: ask the leader again with the log's new latest epoch. */
    record Decision(long offset, boolean completed) { }

    private Truncation() { }

    /**
     * @param leaderEpoch the epoch the leader answered: the largest it knows at or below the one asked
     * @param leaderEndOffset that epoch's end offset on the leader (-1 when the leader knows no such epoch)
     * @param ownEpoch, ownEndOffset the follower log's own answer for {@code leaderEpoch} (-1, -1 when unknown)
     * @param logEnd the follower's log end offset
     * @param fetchOffset the partition's fetch offset while truncating (the high watermark at first)
     */
    static Decision truncationOffset(int leaderEpoch, long leaderEndOffset, int ownEpoch, long ownEndOffset, long logEnd, long fetchOffset) {
        if (leaderEndOffset == UNDEFINED_OFFSET) {
            // the leader knows no epoch that old: only the high watermark is known to be safe
            return new Decision(Math.min(fetchOffset, logEnd), true);
        }
        if (leaderEpoch == UNDEFINED_EPOCH || ownEndOffset == UNDEFINED_OFFSET) {
            // an answer without an epoch, or an epoch below all the follower tracks: the leader's offset decides
            return new Decision(Math.min(leaderEndOffset, logEnd), true);
        }
        if (ownEpoch != leaderEpoch) {
            // the follower never had the leader's epoch: cut to the end of its largest epoch below it, then ask again
            return new Decision(Math.min(ownEndOffset, logEnd), false);
        }
        return new Decision(Math.min(Math.min(ownEndOffset, leaderEndOffset), logEnd), true);
    }
}
