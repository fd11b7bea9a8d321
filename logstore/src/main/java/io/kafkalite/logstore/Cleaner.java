package io.kafkalite.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecords.FilterResult;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.utils.internals.CloseableIterator;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cleaner thread's work on one partition, as Kafka's Cleaner: maps each key of the dirty range to
 * its latest offset (stopping where the bounded map fills: the next pass goes on from there), then
 * rewrites every rolled segment below the map's end in groups of at most {@code segment.bytes}, keeping
 * a record only when no later record of its key was mapped, and swaps each group in. Offsets never
 * change: a rebuilt batch keeps its base and last offset and its producer fields
 * ({@link CleanerFilter} decides what stays). Reads and writes go through the I/O throttle.
 */
final class Cleaner {
    private static final Logger log = LoggerFactory.getLogger(Cleaner.class);

    /** Thrown when the cleaner is stopping or the segments changed under it; the pass is dropped. */
    static final class Aborted extends Exception {
        Aborted(String message) {
            super(message, null, false, false);
        }
    }

    private final OffsetMap map;
    private final Throttler throttler;
    private final BooleanSupplier stopping;
    private final BufferSupplier decompression = BufferSupplier.create();
    private final int ioBufferSize;
    private ByteBuffer readBuffer;
    private ByteBuffer writeBuffer;

    Cleaner(OffsetMap map, Throttler throttler, int ioBufferSize, BooleanSupplier stopping) {
        this.map = map;
        this.throttler = throttler;
        this.ioBufferSize = ioBufferSize;
        this.stopping = stopping;
        restoreBuffers();
    }

    private void restoreBuffers() {
        readBuffer = ByteBuffer.allocate(ioBufferSize);
        writeBuffer = ByteBuffer.allocate(ioBufferSize);
    }

    /** Cleans the partition up to where the offset map reaches; @return the new first dirty offset, or -1 when nothing was done. */
    long clean(Cleanable c, long now) throws IOException, InterruptedException, Aborted {
        LogConfig cfg = c.log().config();
        FileStorage files = c.files();
        map.clear();
        CleanerTxnState mapTxns = new CleanerTxnState(files.abortedTxns(c.firstDirty(), c.uncleanable()));
        for (Map.Entry<Long, FileRecords> seg : c.segments()) {
            long next = files.nextBase(seg.getKey());
            if (seg.getKey() >= c.uncleanable()) {
                break;
            }
            if (next <= c.firstDirty()) {
                continue;
            }
            if (mapSegment(seg.getValue(), c.firstDirty(), mapTxns)) {
                break; // the map is full: this pass cleans up to its latest offset
            }
            map.updateLatestOffset(next - 1);
        }
        long endOffset = map.latestOffset() + 1;
        if (endOffset <= c.firstDirty()) {
            return -1;
        }
        long before = 0;
        long after = 0;
        List<List<Map.Entry<Long, FileRecords>>> groups = groupBySize(c, endOffset, cfg.segmentBytes);
        long lastEnd = groups.isEmpty() ? endOffset : groupEnd(files, groups.get(groups.size() - 1));
        CleanerTxnState txns = new CleanerTxnState(files.abortedTxns(c.segments().get(0).getKey(), lastEnd));
        CleanerFilter filter = new CleanerFilter(now, cfg.deleteRetentionMs, map, c.uncleanable(), txns, c.log().lastRecordsOfProducers());
        for (List<Map.Entry<Long, FileRecords>> group : groups) {
            for (Map.Entry<Long, FileRecords> e : group) {
                before += e.getValue().sizeInBytes();
            }
            after += cleanGroup(c, group, groupEnd(files, group), filter, txns, cfg);
        }
        files.markCleaned(endOffset);
        log.info("Cleaned {} up to offset {}: {} keys mapped, {} segment group(s) from {} to {} bytes", c.log().topicPartition(),
                endOffset, map.size(), groups.size(), before, after);
        return endOffset;
    }

    /** Adds the segment's keys at or after firstDirty; @return true when the map filled before the segment's end. */
    private boolean mapSegment(FileRecords segment, long firstDirty, CleanerTxnState txns) throws IOException, InterruptedException, Aborted {
        for (FileChannelRecordBatch batch : segment.batches()) {
            checkDone();
            throttler.maybeThrottle(batch.sizeInBytes());
            if (batch.lastOffset() < firstDirty) {
                continue;
            }
            if (batch.isControlBatch()) {
                txns.onMarker(batch);
            } else if (!txns.onBatch(batch)) { // an aborted transaction's keys are not mapped: its records go anyway
                try (CloseableIterator<Record> records = batch.streamingIterator(decompression)) {
                    while (records.hasNext()) {
                        Record r = records.next();
                        if (r.hasKey() && r.offset() >= firstDirty) {
                            if (map.full()) {
                                return true;
                            }
                            map.put(r.key(), r.offset());
                        }
                    }
                }
            }
            map.updateLatestOffset(batch.lastOffset());
        }
        return false;
    }

    /** Consecutive segments below endOffset whose sizes add up to at most segment.bytes (Kafka's groupSegmentsBySize). */
    private static List<List<Map.Entry<Long, FileRecords>>> groupBySize(Cleanable c, long endOffset, int maxSize) {
        List<List<Map.Entry<Long, FileRecords>>> groups = new ArrayList<>();
        List<Map.Entry<Long, FileRecords>> group = null;
        long size = 0;
        for (Map.Entry<Long, FileRecords> e : c.segments()) {
            if (e.getKey() >= endOffset) {
                break;
            }
            int segSize = e.getValue().sizeInBytes();
            if (group == null || size + segSize > maxSize) {
                group = new ArrayList<>();
                groups.add(group);
                size = 0;
            }
            group.add(e);
            size += segSize;
        }
        return groups;
    }

    private static long groupEnd(FileStorage files, List<Map.Entry<Long, FileRecords>> group) {
        return files.nextBase(group.get(group.size() - 1).getKey());
    }

    /** Writes the group's kept batches to a new file and swaps it in; @return its size. */
    private long cleanGroup(Cleanable c, List<Map.Entry<Long, FileRecords>> group, long end, CleanerFilter filter,
                           CleanerTxnState txns, LogConfig cfg)
            throws IOException, InterruptedException, Aborted {
        FileStorage files = c.files();
        long base = group.get(0).getKey();
        FileRecords out = files.newCleanedFile(base);
        boolean swapped = false;
        try {
            List<long[]> entries = new ArrayList<>();
            int sinceEntry = 0;
            for (Map.Entry<Long, FileRecords> e : group) {
                FileRecords seg = e.getValue();
                int position = 0;
                while (position < seg.sizeInBytes()) {
                    checkDone();
                    readBuffer.clear();
                    seg.readInto(readBuffer, position);
                    MemoryRecords chunk = MemoryRecords.readableRecords(readBuffer);
                    throttler.maybeThrottle(chunk.sizeInBytes());
                    writeBuffer.clear();
                    FilterResult result = chunk.filterTo(filter, writeBuffer, decompression, cfg.maxMessageBytes);
                    position += result.bytesRead();
                    ByteBuffer output = result.outputBuffer();
                    if (output.position() > 0) {
                        output.flip();
                        MemoryRecords kept = MemoryRecords.readableRecords(output);
                        int at = out.sizeInBytes();
                        for (MutableRecordBatch b : kept.batches()) {
                            if (at > 0 && sinceEntry >= cfg.indexIntervalBytes) {
                                entries.add(new long[] {b.baseOffset(), at});
                                sinceEntry = 0;
                            }
                            sinceEntry += b.sizeInBytes();
                            at += b.sizeInBytes();
                        }
                        out.append(kept);
                        throttler.maybeThrottle(output.limit());
                    }
                    if (result.bytesRead() == 0) {
                        growBuffers(seg, position, chunk);
                    }
                }
            }
            restoreBuffers();
            out.flush(); // fsynced before the swap: the segments it replaces were below the recovery point
            out.file().setLastModified(group.get(group.size() - 1).getValue().file().lastModified()); // retention's fallback age
            files.dropIndexRange(base, end).join();
            // rows of aborted transactions whose data went in an earlier pass: gone before their markers may go
            files.dropAbortedTxns(txns.drainUnneededRows()).join();
            swapped = c.log().replaceCleaned(files, group, end, out, entries);
            if (!swapped) {
                throw new Aborted("the segments of " + c.log().topicPartition() + " changed during cleaning");
            }
            files.syncDir();
            return out.sizeInBytes();
        } finally {
            if (!swapped) {
                out.deleteIfExists();
            }
        }
    }

    /** A batch larger than the buffers: they grow to hold it (up to the batch's own size), as Kafka's do. */
    private void growBuffers(FileRecords seg, int position, MemoryRecords chunk) throws IOException {
        if (chunk.sizeInBytes() < Records.LOG_OVERHEAD) {
            throw new IOException("Truncated batch at position " + position + " of " + seg.file());
        }
        int batchSize = chunk.buffer().getInt(Records.SIZE_OFFSET) + Records.LOG_OVERHEAD;
        if (batchSize <= readBuffer.capacity()) {
            throw new IOException("Corrupt batch at position " + position + " of " + seg.file());
        }
        readBuffer = ByteBuffer.allocate(batchSize);
        writeBuffer = ByteBuffer.allocate(batchSize);
    }

    private void checkDone() throws Aborted {
        if (stopping.getAsBoolean()) {
            throw new Aborted("the cleaner is stopping");
        }
    }
}
