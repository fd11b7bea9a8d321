package io.kafkalite.logstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;

/** Batches whose CRC is right but whose records are not: the in-place walk must refuse them. */
class BatchValidatorTest {
    private static final LogConfig DEFAULTS = new LogConfig(Map.of(), Map.of());
    private static final LogConfig COMPACTED = new LogConfig(Map.of(), Map.of("cleanup.policy", "compact"));

    private static MemoryRecords batch(long timestamp, byte[]... keys) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(4096), Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (byte[] key : keys) {
            b.append(timestamp, key, "value".getBytes(), new RecordHeader[] {new RecordHeader("h", "x".getBytes())});
        }
        return b.build();
    }

    /** Changes one byte of the records and makes the CRC match again, as a buggy client would send it. */
    private static MemoryRecords tamper(MemoryRecords records, int recordsOffset, byte value) {
        records.buffer().put(DefaultRecordBatch.RECORD_BATCH_OVERHEAD + recordsOffset, value);
        MutableRecordBatch batch = records.batches().iterator().next();
        batch.setMaxTimestamp(TimestampType.CREATE_TIME, batch.maxTimestamp() + 1); // a changed header recomputes the CRC
        batch.ensureValid();
        return records;
    }

    @Test
    void validBatchesPassUnchanged() {
        MemoryRecords ok = batch(System.currentTimeMillis(), "a".getBytes(), "b".getBytes(), "c".getBytes());
        assertSame(ok, BatchValidator.validate(ok, DEFAULTS, System.currentTimeMillis()));
        assertSame(ok, BatchValidator.validate(ok, COMPACTED, System.currentTimeMillis()));
    }

    @Test
    void malformedRecordsWithAValidCrcAreRefused() {
        long now = System.currentTimeMillis();
        // record 0 starts with its length varint; claiming far more bytes than exist
        assertThrows(CorruptRecordException.class, () -> BatchValidator.validate(tamper(batch(now, "a".getBytes()), 0, (byte) 0x7e), DEFAULTS, now));
        // offset delta of the first record (after length, attributes, timestamp delta 0) set to 1
        assertThrows(InvalidRecordException.class, () -> BatchValidator.validate(tamper(batch(now, "a".getBytes()), 3, (byte) 2), DEFAULTS, now));
        // the key length varint made negative (-1 = null key) makes the record end early
        assertThrows(CorruptRecordException.class, () -> BatchValidator.validate(tamper(batch(now, "a".getBytes()), 4, (byte) 1), DEFAULTS, now));
    }

    @Test
    void keysAndTimestampsAreChecked() {
        long now = System.currentTimeMillis();
        assertThrows(InvalidRecordException.class, () -> BatchValidator.validate(batch(now, "a".getBytes(), null), COMPACTED, now));
        assertEquals(2, BatchValidator.validate(batch(now, "a".getBytes(), null), DEFAULTS, now).batches().iterator().next().countOrNull());
        assertThrows(InvalidTimestampException.class, () -> BatchValidator.validate(batch(now + 7_200_000, "a".getBytes()), DEFAULTS, now));
        assertEquals(RecordBatch.CURRENT_MAGIC_VALUE, BatchValidator.validate(batch(now - 86_400_000, "a".getBytes()), DEFAULTS, now)
                .batches().iterator().next().magic());
    }
}
