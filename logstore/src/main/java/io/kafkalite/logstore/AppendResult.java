package io.kafkalite.logstore;

/**
 * The outcome of a successful append: the offsets the batches got (or, for a retried batch, the offsets
 * of its first write), the broker time stamped on them (-1 unless LogAppendTime) and the log start.
 */
public record AppendResult(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset) { }
