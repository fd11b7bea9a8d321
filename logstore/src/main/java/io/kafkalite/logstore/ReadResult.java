package io.kafkalite.logstore;

import java.util.List;
import org.apache.kafka.common.record.internal.Records;

/**
 * Batches read from a partition, with the partition's offsets at the time of the read; for a
 * read_committed read, the batches end at the last stable offset and {@code abortedTxns} lists the
 * aborted transactions they may hold (null for read_uncommitted).
 */
public record ReadResult(Records records, long highWatermark, long logStartOffset, long lastStableOffset, List<AbortedTxn> abortedTxns) { }
