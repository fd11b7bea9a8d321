package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.util.Iterator;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * Checks the batches of one partition's produce data before anything is written, as Kafka's
 * LogValidator does, and recompresses them when the topic's {@code compression.type} asks for
 * a codec other than the one the producer used. A batch that fails any check fails the whole
 * partition's append; nothing of it reaches the log.
 */
final class BatchValidator {
    private BatchValidator() { }

    /**
     * @return the records to append: the same buffer when no recompression is needed
     * @throws CorruptRecordException  bad CRC, bad sizes, trailing bytes, records that cannot be decompressed
     * @throws InvalidRecordException  bad magic, control batch from a client, record count or offset deltas wrong,
     *                                 null key on a compacted topic
     * @throws RecordTooLargeException a batch larger than {@code max.message.bytes}
     * @throws InvalidTimestampException a CreateTime timestamp outside the allowed window
     */
    static MemoryRecords validate(MemoryRecords records, LogConfig config, long nowMs) {
        int validBytes = 0;
        boolean recompress = false;
        ByteBuffer buffer = records.buffer();
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new InvalidRecordException("Only record batches with magic v2 are accepted, got v" + batch.magic());
            }
            batch.ensureValid();
            if (batch.sizeInBytes() > config.maxMessageBytes) {
                throw new RecordTooLargeException("The record batch of " + batch.sizeInBytes()
                        + " bytes is larger than max.message.bytes=" + config.maxMessageBytes);
            }
            if (batch.isControlBatch()) {
                throw new InvalidRecordException("Clients may not send control batches");
            }
            if (batch.isCompressed()) {
                validateRecords((DefaultRecordBatch) batch, config, nowMs);
            } else {
                ByteBuffer recordBytes = buffer.duplicate();
                recordBytes.limit(buffer.position() + validBytes + batch.sizeInBytes())
                        .position(buffer.position() + validBytes + DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
                checkCount(batch, UncompressedRecords.check(recordBytes, (DefaultRecordBatch) batch, config, nowMs));
            }
            recompress |= needsRecompression(batch, config);
            validBytes += batch.sizeInBytes();
        }
        if (validBytes != records.sizeInBytes()) {
            throw new CorruptRecordException("Produce data has " + (records.sizeInBytes() - validBytes)
                    + " bytes that do not form a whole record batch");
        }
        if (validBytes == 0) {
            throw new InvalidRecordException("Produce data holds no record batch");
        }
        return recompress ? recompress(records, config) : records;
    }

    /** Compressed batches: decompress and check every record. */
    private static void validateRecords(DefaultRecordBatch batch, LogConfig config, long nowMs) {
        int count;
        boolean checkTimestamps = checksTimestamps(batch, config);
        try (CloseableIterator<Record> it = config.compact ? closeable(batch.iterator())
                : batch.skipKeyValueIterator(BufferSupplier.NO_CACHING)) {
            count = checkEach(it, batch, config, nowMs, checkTimestamps);
        } catch (org.apache.kafka.common.errors.ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptRecordException("Record batch cannot be read (" + batch.compressionType() + "): " + e.getMessage());
        }
        checkCount(batch, count);
    }

    private static void checkCount(RecordBatch batch, int count) {
        Integer declared = batch.countOrNull();
        if (declared == null || declared != count || batch.lastOffset() - batch.baseOffset() != count - 1) {
            throw new InvalidRecordException("Record batch declares " + declared + " records but holds " + count);
        }
    }

    /** Checks every record; returns how many there are. */
    private static int checkEach(CloseableIterator<Record> it, RecordBatch batch, LogConfig config, long nowMs, boolean checkTimestamps) {
        int count = 0;
        while (it.hasNext()) {
            Record record = it.next();
            if (record.offset() != batch.baseOffset() + count) {
                throw new InvalidRecordException("Record offset deltas are not contiguous in the batch");
            }
            if (config.compact && !record.hasKey()) {
                throw new InvalidRecordException("Compacted topic cannot accept message without key");
            }
            if (checkTimestamps) {
                checkTimestamp(record.timestamp(), config, nowMs);
            }
            count++;
        }
        return count;
    }

    static boolean checksTimestamps(RecordBatch batch, LogConfig config) {
        return batch.timestampType() == TimestampType.CREATE_TIME && config.timestampType == TimestampType.CREATE_TIME;
    }

    static void checkTimestamp(long timestamp, LogConfig config, long nowMs) {
        if (timestamp < 0 && timestamp != RecordBatch.NO_TIMESTAMP) {
            throw new InvalidTimestampException("Invalid timestamp " + timestamp);
        }
        if (timestamp >= 0 && (nowMs - timestamp > config.timestampBeforeMaxMs || timestamp - nowMs > config.timestampAfterMaxMs)) {
            throw new InvalidTimestampException("Timestamp " + timestamp + " of a record is out of the allowed range"
                    + " [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms]");
        }
    }

    private static boolean needsRecompression(RecordBatch batch, LogConfig config) {
        if ("producer".equals(config.compressionType)) {
            return false;
        }
        return batch.compressionType() != CompressionType.forName(config.compressionType);
    }

    /** Rewrites every batch with the topic's codec, keeping producer id, epoch, sequence and transactional flag. */
    private static MemoryRecords recompress(MemoryRecords records, LogConfig config) {
        Compression compression = Compression.of(CompressionType.forName(config.compressionType)).build();
        java.util.List<ByteBuffer> rebuilt = new java.util.ArrayList<>();
        int total = 0;
        for (MutableRecordBatch batch : records.batches()) {
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(batch.sizeInBytes() + 256),
                    RecordBatch.MAGIC_VALUE_V2, compression, batch.timestampType(), batch.baseOffset(),
                    RecordBatch.NO_TIMESTAMP, batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                    batch.isTransactional(), batch.partitionLeaderEpoch());
            for (Record r : batch) {
                builder.appendWithOffset(r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
            }
            MemoryRecords built = builder.build();
            if (built.sizeInBytes() > config.maxMessageBytes) {
                throw new RecordTooLargeException("The recompressed batch of " + built.sizeInBytes()
                        + " bytes is larger than max.message.bytes=" + config.maxMessageBytes);
            }
            rebuilt.add(built.buffer());
            total += built.sizeInBytes();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        rebuilt.forEach(b -> out.put(b.duplicate()));
        out.flip();
        return MemoryRecords.readableRecords(out);
    }

    private static CloseableIterator<Record> closeable(Iterator<Record> it) {
        return new CloseableIterator<>() {
            public boolean hasNext() {
                return it.hasNext();
            }

            public Record next() {
                return it.next();
            }

            public void close() { }
        };
    }
}
