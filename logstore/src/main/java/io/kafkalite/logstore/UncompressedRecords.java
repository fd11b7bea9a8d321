package io.kafkalite.logstore;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.utils.internals.ByteUtils;

/**
 * Walks the records of an uncompressed v2 batch in place, without creating an object per record, and
 * checks what Kafka's validator checks: every record parses to exactly its declared length, offset
 * deltas run 0, 1, 2, ..., keys exist on compacted topics, CreateTime timestamps are in range.
 *
 * <pre>
 * record: [varint length][int8 attributes][varlong timestampDelta][varint offsetDelta]
 *         [varint keyLength][key][varint valueLength][value][varint headerCount]
 *         {[varint keyLength][key][varint valueLength][value]}
 * </pre>
 */
final class UncompressedRecords {
    private UncompressedRecords() { }

    /** @param records the batch's records section; @return how many records it holds */
    static int check(ByteBuffer records, DefaultRecordBatch batch, LogConfig config, long nowMs) {
        boolean checkTimestamps = BatchValidator.checksTimestamps(batch, config);
        long baseTimestamp = batch.baseTimestamp();
        int count = 0;
        try {
            while (records.hasRemaining()) {
                int length = ByteUtils.readVarint(records);
                if (length <= 0 || length > records.remaining()) {
                    throw new CorruptRecordException("Record " + count + " declares " + length + " bytes, " + records.remaining() + " remain");
                }
                int end = records.position() + length;
                records.get(); // attributes: unused in v2 records
                long timestampDelta = ByteUtils.readVarlong(records);
                if (ByteUtils.readVarint(records) != count) {
                    throw new InvalidRecordException("Record offset deltas are not contiguous in the batch");
                }
                int keyLength = skipBytes(records, -1);
                if (config.compact && keyLength < 0) {
                    throw new InvalidRecordException("Compacted topic cannot accept message without key");
                }
                skipBytes(records, -1);
                int headers = ByteUtils.readVarint(records);
                if (headers < 0) {
                    throw new CorruptRecordException("Record " + count + " has " + headers + " headers");
                }
                for (int h = 0; h < headers; h++) {
                    skipBytes(records, 0);
                    skipBytes(records, -1);
                }
                if (records.position() != end) {
                    throw new CorruptRecordException("Record " + count + " does not end where its length says");
                }
                if (checkTimestamps) {
                    BatchValidator.checkTimestamp(baseTimestamp + timestampDelta, config, nowMs);
                }
                count++;
            }
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptRecordException("Record " + count + " of the batch is truncated or malformed");
        }
        return count;
    }

    /** Skips a varint-length-prefixed byte field; a length below {@code minLength} is corrupt. Returns the length. */
    private static int skipBytes(ByteBuffer records, int minLength) {
        int length = ByteUtils.readVarint(records);
        if (length < minLength || length > records.remaining()) {
            throw new CorruptRecordException("A record field declares " + length + " bytes");
        }
        if (length > 0) {
            records.position(records.position() + length);
        }
        return length;
    }
}
