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
    default long logEndOffset() {
        return logEnd().offset();
    }

    /** The log end offset with the position it ends at, read together. */
    LogEnd logEnd();

    /** Fills the table with the producer state recovered at open. */
    void loadProducers(ProducerStateTable table);

    /**
     * Writes batches whose offsets are assigned; {@code producerUpdate} (may be null) is the encoded
     * state of the producer that wrote them, persisted with the index.
     * @throws org.apache.kafka.common.errors.KafkaStorageException when nothing could be written (the
     *         log directory is then offline)
     */
    void append(MemoryRecords records, long producerId, byte[] producerUpdate, LogConfig config);

    /** Forgets a producer's persisted state (producer.id.expiration.ms). */
    void deleteProducer(long producerId);

    /**
     * Batches from the one holding {@code offset} up to {@code end} (a {@link #logEnd} taken before), at
     * most {@code maxBytes} (a batch larger than that is still returned whole when {@code minOneMessage}).
     */
    Records read(long offset, int maxBytes, boolean minOneMessage, LogEnd end) throws IOException;

    /** Where the batch holding {@code offset} starts, as a log end: a read bounded by it stops just before that batch. */
    LogEnd locate(long offset) throws IOException;

    /** Records an aborted transaction; the future completes once {@link #abortedTxns} returns it. */
    java.util.concurrent.CompletableFuture<Void> addAbortedTxn(AbortedTxn txn);

    /** The aborted transactions that overlap [fetchOffset, upperBound), from the aborted-transaction index. */
    java.util.List<AbortedTxn> abortedTxns(long fetchOffset, long upperBound);

    /** The first record whose timestamp is >= target, or null. */
    TimestampAndOffset offsetForTimestamp(long target) throws IOException;

    /** The record with the largest timestamp (the first such), or null for an empty log. */
    TimestampAndOffset maxTimestamp() throws IOException;

    /** Called under the partition lock before a flush: completes the index up to the log end, which it returns. */
    long sealIndex();

    /** fsyncs what is below {@code upTo} (from {@link #sealIndex}) and makes it the recovery point; needs no lock. */
    void flush(long upTo);

    /**
     * Moves the log start offset forward (DeleteRecords, retention); whole segments below it are deleted
     * (their files after {@code fileDeleteDelayMs}). Called under the partition lock, with
     * {@code offset <= logEndOffset()}.
     */
    void advanceLogStart(long offset, long fileDeleteDelayMs) throws IOException;

    /**
     * The log start offset that retention asks for: the base of the first segment to keep, given
     * {@code retention.ms} and {@code retention.bytes} (-1: no limit). The active segment is always kept.
     * Reads only immutable segments; needs no lock.
     */
    long retentionPoint(long retentionMs, long retentionBytes, long nowMs) throws IOException;

    /** Flushes and closes the files (a clean shutdown). Called under the partition lock. */
    void close() throws IOException;

    /** Removes the partition's files (after {@code fileDeleteDelayMs}) and index entries. */
    void delete(long fileDeleteDelayMs) throws IOException;

    /** Bytes of the partition's batches (of its segment files), as DescribeLogDirs reports it. */
    long sizeInBytes();

    /** Persists a producer's state (encoded by {@link ProducerStateTable#encode}) with the index. */
    void saveProducer(long producerId, byte[] encoded);

    /**
     * Drops every batch from the one holding {@code offset} on (a follower's truncation), with their
     * index entries and aborted-transaction rows; lowers the recovery point. Called under the partition
     * lock with logStartOffset <= offset < logEndOffset; a crash at any point leaves a prefix of the old
     * log that recovery opens consistently. Producer rows are the caller's.
     * @return the new log end offset (offset, or the base of the batch holding it when it is inside one)
     */
    long truncateTo(long offset, long fileDeleteDelayMs) throws IOException;

    /** Deletes every batch, index entry, producer and aborted row; the log restarts empty at {@code offset}. Under the partition lock. */
    void truncateFullyAndStartAt(long offset, long fileDeleteDelayMs) throws IOException;

    /** The leader epoch cache kept with the partition, or null when there is none (the caller rebuilds it). */
    LeaderEpochCache loadEpochCache();

    /** A new empty leader epoch cache kept with the partition (replacing a missing or unreadable one). */
    LeaderEpochCache newEpochCache();

    /** The high watermark last checkpointed (-1 when none), read at open. */
    long checkpointedHighWatermark();

    /** Persists the high watermark of a replicated partition (asynchronously, in order with the other partition state). */
    void checkpointHighWatermark(long highWatermark);

    /** The log directory holding the partition, null in memory. */
    default LogDirHealth logDir() {
        return null;
    }
}
