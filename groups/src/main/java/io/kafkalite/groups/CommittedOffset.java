package io.kafkalite.groups;

/** A committed offset as OffsetFetch returns it. */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp) {
    /** OffsetFetch with require_stable for a partition whose offset a transaction is committing: UNSTABLE_OFFSET_COMMIT. */
    public static final CommittedOffset UNSTABLE = new CommittedOffset(-1, -1, "", -1);
}
