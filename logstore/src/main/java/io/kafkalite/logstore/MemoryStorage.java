package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.Records;

/** A partition kept in memory, one copied batch per entry: for handler tests and the contract test. */
final class MemoryStorage implements PartitionStorage {
    private final ConcurrentSkipListMap<Long, MemoryRecords> batches = new ConcurrentSkipListMap<>();
    private volatile long logEndOffset;
    private volatile long logStartOffset;
    private final ConcurrentSkipListMap<Long, AbortedTxn> aborted = new ConcurrentSkipListMap<>();
    private volatile long highWatermark = -1;

    @Override
    public long sizeInBytes() {
        long size = 0;
        for (MemoryRecords r : batches.values()) {
            size += r.sizeInBytes();
        }
        return size;
    }

    @Override
    public long logStartOffset() {
        return logStartOffset;
    }

    @Override
    public void advanceLogStart(long offset, long fileDeleteDelayMs) {
        logStartOffset = Math.max(logStartOffset, offset);
        batches.headMap(offset).entrySet().removeIf(e -> batchOf(e.getValue()).nextOffset() <= offset);
        Long first = batches.isEmpty() ? logEndOffset : batches.firstKey();
        aborted.headMap(first).clear();
    }

    @Override
    public LogEnd locate(long offset) {
        return new LogEnd(offset, 0, 0); // reads here are bounded by offset only
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> addAbortedTxn(AbortedTxn txn) {
        aborted.put(txn.lastOffset(), txn);
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    @Override
    public List<AbortedTxn> abortedTxns(long fetchOffset, long upperBound) {
        AbortedTxn.Collector collector = new AbortedTxn.Collector(upperBound);
        for (AbortedTxn txn : aborted.tailMap(fetchOffset).values()) {
            if (!collector.offer(txn)) {
                break;
            }
        }
        return collector.found;
    }

    @Override
    public LogEnd logEnd() {
        return new LogEnd(logEndOffset, 0, 0);
    }

    @Override
    public void loadProducers(ProducerStateTable table) { }

    @Override
    public void append(MemoryRecords records, long producerId, byte[] producerUpdate, LogConfig config) {
        for (MutableRecordBatch b : records.batches()) {
            ByteBuffer copy = ByteBuffer.allocate(b.sizeInBytes());
            b.writeTo(copy);
            copy.flip();
            batches.put(b.baseOffset(), MemoryRecords.readableRecords(copy));
            logEndOffset = b.nextOffset();
        }
    }

    private static MutableRecordBatch batchOf(MemoryRecords r) {
        return r.batches().iterator().next();
    }

    @Override
    public Records read(long offset, int maxBytes, boolean minOneMessage, LogEnd end) {
        Long from = batches.floorKey(offset);
        List<MemoryRecords> picked = new ArrayList<>();
        int size = 0;
        for (MemoryRecords r : (from == null ? batches : batches.tailMap(from, true)).values()) {
            if (batchOf(r).lastOffset() < offset) {
                continue;
            }
            if (batchOf(r).baseOffset() >= end.offset()) {
                break; // appended after the end this read reports
            }
            if (size + r.sizeInBytes() > maxBytes && !(picked.isEmpty() && minOneMessage)) {
                break;
            }
            picked.add(r);
            size += r.sizeInBytes();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        picked.forEach(r -> out.put(r.buffer().duplicate()));
        out.flip();
        return MemoryRecords.readableRecords(out);
    }

    @Override
    public TimestampAndOffset offsetForTimestamp(long target) {
        for (MemoryRecords r : batches.values()) {
            MutableRecordBatch b = batchOf(r);
            if (b.maxTimestamp() >= target) {
                for (Record rec : b) {
                    if (rec.timestamp() >= target && rec.offset() >= logStartOffset) {
                        return new TimestampAndOffset(rec.timestamp(), rec.offset(), Optional.of(b.partitionLeaderEpoch()));
                    }
                }
            }
        }
        return null;
    }

    @Override
    public TimestampAndOffset maxTimestamp() {
        TimestampAndOffset best = null;
        for (Map.Entry<Long, MemoryRecords> e : batches.entrySet()) {
            MutableRecordBatch b = batchOf(e.getValue());
            for (Record rec : b) {
                if (best == null || rec.timestamp() > best.timestamp) {
                    best = new TimestampAndOffset(rec.timestamp(), rec.offset(), Optional.of(b.partitionLeaderEpoch()));
                }
            }
        }
        return best;
    }

    @Override
    public long retentionPoint(long retentionMs, long retentionBytes, long nowMs) {
        return logStartOffset; // memory stores are for tests: nothing to reclaim
    }

    @Override
    public void deleteProducer(long producerId) { }

    @Override
    public void saveProducer(long producerId, byte[] encoded) { }

    @Override
    public long truncateTo(long offset, long fileDeleteDelayMs) {
        Long holding = batches.floorKey(offset);
        long end = holding != null && batchOf(batches.get(holding)).lastOffset() >= offset ? holding : offset;
        logEndOffset = end; // readers are bounded by it before the batches go
        batches.tailMap(end, true).clear();
        aborted.tailMap(end, true).clear();
        return end;
    }

    @Override
    public void truncateFullyAndStartAt(long offset, long fileDeleteDelayMs) {
        logEndOffset = offset;
        logStartOffset = offset;
        batches.clear();
        aborted.clear();
    }

    @Override
    public LeaderEpochCache loadEpochCache() {
        return null; // rebuilt from the batches at first use
    }

    @Override
    public LeaderEpochCache newEpochCache() {
        return LeaderEpochCache.inMemory();
    }

    @Override
    public long checkpointedHighWatermark() {
        return highWatermark;
    }

    @Override
    public void checkpointHighWatermark(long hw) {
        highWatermark = hw;
    }

    @Override
    public long sealIndex() {
        return logEndOffset;
    }

    @Override
    public void flush(long upTo) { }

    @Override
    public void close() { }

    @Override
    public void delete(long fileDeleteDelayMs) {
        batches.clear();
        aborted.clear();
    }
}
