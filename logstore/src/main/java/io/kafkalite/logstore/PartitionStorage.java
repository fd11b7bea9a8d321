package io.kafkalite.logstore;

import java.io.IOException;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Records;

/**
 * Where one partition's batches are kept: segment files with an LMDB index ({@link FileStorage}) or
 * memory ({@link MemoryStorage}). Offsets are already assigned when batches get here; checks and
 * producer state live in {@link PartitionLog}, which calls append under its lock. Reads may run
 * concurrently with an append and see only whole batches.
 */
interface PartitionStorage {
    long logStartOffset();

    /** The offset the next appended batch gets. */
    long logEndOffset();

    /** Fills the table with the producer state recovered at open. */
    void loadProducers(ProducerStateTable table);

    /**
     * Writes batches whose offsets are assigned; {@code producerUpdate} (may be null) is the encoded
     * state of the producer that wrote them, persisted with the index.
     */
    void append(MemoryRecords records, long producerId, byte[] producerUpdate, LogConfig config) throws IOException;

    /**
     * Batches from the one holding {@code offset}, at most {@code maxBytes} (a batch larger than that is
     * still returned whole when {@code minOneMessage}); empty at the log end.
     */
    Records read(long offset, int maxBytes, boolean minOneMessage) throws IOException;

    /** The first record whose timestamp is >= target, or null. */
    TimestampAndOffset offsetForTimestamp(long target) throws IOException;

    /** The record with the largest timestamp (the first such), or null for an empty log. */
    TimestampAndOffset maxTimestamp() throws IOException;

    void flush() throws IOException;

    /**
     * Moves the log start offset forward (DeleteRecords); whole segments below it are deleted.
     * Called under the partition lock, with {@code offset <= logEndOffset()}.
     */
    void advanceLogStart(long offset) throws IOException;

    /**
     * The log start offset that retention asks for: the base of the first segment to keep, given
     * {@code retention.ms} and {@code retention.bytes} (-1: no limit). The active segment is always kept.
     * Reads only immutable segments; needs no lock.
     */
    long retentionPoint(long retentionMs, long retentionBytes, long nowMs) throws IOException;

    /** Closes files; with delete, also removes the partition's files and index entries. */
    void close(boolean delete) throws IOException;
}
