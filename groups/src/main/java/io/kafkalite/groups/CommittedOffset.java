package io.kafkalite.groups;

/** A committed offset as OffsetFetch returns it. */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp) { }
