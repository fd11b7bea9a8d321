package io.kafkalite.logstore;

import java.io.IOException;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;

/**
 * One partition: checks batches, deduplicates idempotent producers, assigns offsets and hands the
 * batches to its storage. One writer at a time (the partition lock); readers never take it.
 * On a single broker the high watermark is the log end offset.
 */
public final class PartitionLog {
    /** No leader changes on one broker yet; batches carry this epoch so the field is set from day one. */
    public static final int LEADER_EPOCH = 0;

    private final TopicPartition topicPartition;
    private final PartitionStorage storage;
    private final ProducerStateTable producers = new ProducerStateTable();
    private volatile LogConfig config;
    private volatile long appendedBytes; // written under the partition lock only
    private volatile long lastFlushMs = System.currentTimeMillis();

    PartitionLog(TopicPartition topicPartition, PartitionStorage storage, LogConfig config) {
        this.topicPartition = topicPartition;
        this.storage = storage;
        this.config = config;
        storage.loadProducers(producers);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public LogConfig config() {
        return config;
    }

    void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    PartitionStorage storage() {
        return storage;
    }

    public long logStartOffset() {
        return storage.logStartOffset();
    }

    public long logEndOffset() {
        return storage.logEndOffset();
    }

    public long highWatermark() {
        return storage.logEndOffset();
    }

    /**
     * Bytes of batches appended since this log was opened; only grows. Cheap (a volatile read), so a
     * waiting fetch can tell how much arrived since it looked, without reading the log.
     */
    public long appendedBytes() {
        return appendedBytes;
    }

    /**
     * Validates and appends the batches of one produce request for this partition.
     * Throws the ApiException that Kafka answers for a bad batch, a fenced epoch or a sequence gap, and
     * KafkaStorageException when the write failed (then nothing about it is remembered, so a retry is
     * never answered as a duplicate of a write that did not happen).
     */
    public AppendResult append(MemoryRecords records, long nowMs) {
        LogConfig cfg = config;
        MemoryRecords valid = BatchValidator.validate(records, cfg, nowMs);
        boolean logAppendTime = cfg.timestampType == TimestampType.LOG_APPEND_TIME;
        synchronized (this) {
            MutableRecordBatch first = valid.batches().iterator().next();
            if (first.hasProducerId()) {
                ProducerStateTable.BatchMetadata earlier = producers.check(first);
                if (earlier != null) {
                    return new AppendResult(earlier.baseOffset(), earlier.baseOffset() + first.lastOffset() - first.baseOffset(),
                            logAppendTime ? earlier.timestamp() : RecordBatch.NO_TIMESTAMP, storage.logStartOffset());
                }
            }
            long base = storage.logEndOffset();
            long next = base;
            for (MutableRecordBatch b : valid.batches()) {
                b.setLastOffset(next + b.lastOffset() - b.baseOffset());
                b.setPartitionLeaderEpoch(LEADER_EPOCH);
                if (logAppendTime) {
                    b.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, nowMs);
                }
                next = b.nextOffset();
            }
            ProducerStateTable.ProducerEntry producer = null;
            if (first.hasProducerId()) {
                producer = producers.nextEntry(first.producerId(), first.producerEpoch(),
                        new ProducerStateTable.BatchMetadata(first.baseSequence(), first.lastSequence(), base,
                                logAppendTime ? nowMs : first.maxTimestamp()));
            }
            storage.append(valid, first.producerId(), producer == null ? null : ProducerStateTable.encode(producer), cfg);
            appendedBytes += valid.sizeInBytes();
            if (producer != null) {
                producers.put(first.producerId(), producer);
            }
            return new AppendResult(base, next - 1, logAppendTime ? nowMs : RecordBatch.NO_TIMESTAMP, storage.logStartOffset());
        }
    }

    /**
     * Batches from the one that holds {@code offset}; the client skips records before it.
     * @throws OffsetOutOfRangeException outside [logStartOffset, logEndOffset]
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneMessage) throws IOException {
        LogEnd end = storage.logEnd();
        long start = storage.logStartOffset();
        if (offset < start || offset > end.offset()) {
            throw new OffsetOutOfRangeException("Offset " + offset + " is out of range for " + topicPartition
                    + ": [" + start + ", " + end.offset() + "]");
        }
        Records records = offset == end.offset() ? MemoryRecords.EMPTY : storage.read(offset, maxBytes, minOneMessage, end);
        return new ReadResult(records, end.offset(), start);
    }

    /**
     * DeleteRecords: makes {@code offset} (-1: the high watermark) the new log start offset.
     * @return the new log start offset (the low watermark)
     * @throws OffsetOutOfRangeException beyond the high watermark
     */
    public synchronized long deleteRecordsBefore(long offset) throws IOException {
        long end = storage.logEndOffset();
        long target = offset == -1 ? end : offset;
        if (target < 0 || target > end) {
            throw new OffsetOutOfRangeException("Cannot delete records of " + topicPartition + " before offset " + offset
                    + ": the high watermark is " + end);
        }
        storage.advanceLogStart(target, config.fileDeleteDelayMs);
        return storage.logStartOffset();
    }

    /** The first record with timestamp >= target, or null when there is none. */
    public TimestampAndOffset offsetForTimestamp(long target) throws IOException {
        return storage.offsetForTimestamp(target);
    }

    public TimestampAndOffset maxTimestamp() throws IOException {
        return storage.maxTimestamp();
    }

    /**
     * Deletes whole segments past {@code retention.ms} / {@code retention.bytes} (cleanup.policy=delete).
     * The segments are examined without the partition lock, so appends are not held up.
     * @return how far the log start offset moved
     */
    long enforceRetention(long nowMs) throws IOException {
        LogConfig cfg = config;
        if (!cfg.delete || (cfg.retentionMs < 0 && cfg.retentionBytes < 0)) {
            return 0;
        }
        long point = storage.retentionPoint(cfg.retentionMs, cfg.retentionBytes, nowMs);
        synchronized (this) {
            long before = storage.logStartOffset();
            if (point > before) {
                storage.advanceLogStart(point, cfg.fileDeleteDelayMs);
            }
            return storage.logStartOffset() - before;
        }
    }

    /** fsyncs when {@code flush.ms} has passed since the last flush; appends go on during the fsync. */
    void maybeFlush(long nowMs) {
        if (nowMs - lastFlushMs < config.flushMs) {
            return;
        }
        long upTo;
        synchronized (this) {
            upTo = storage.sealIndex();
        }
        storage.flush(upTo);
        lastFlushMs = nowMs;
    }

    /** Forgets idempotent producers idle for {@code producer.id.expiration.ms} (KIP-854). */
    synchronized int expireProducers(long nowMs, long expirationMs) {
        List<Long> expired = producers.expire(nowMs, expirationMs);
        expired.forEach(storage::deleteProducer);
        return expired.size();
    }

    /** Number of idempotent producers this partition remembers. */
    synchronized int producerCount() {
        return producers.size();
    }

    /** A clean shutdown: everything is flushed, so the next start re-reads nothing. */
    synchronized void close() throws IOException {
        storage.close();
    }

    synchronized void delete() throws IOException {
        storage.delete(config.fileDeleteDelayMs);
    }
}
