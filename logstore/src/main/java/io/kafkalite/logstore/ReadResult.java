package io.kafkalite.logstore;

import org.apache.kafka.common.record.internal.Records;

/** Batches read from a partition, with the partition's offsets at the time of the read. */
public record ReadResult(Records records, long highWatermark, long logStartOffset) { }
