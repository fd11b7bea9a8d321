package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * One partition's sparse offset index and time index in LMDB (layout in {@link StoreLayout}): which
 * entries an appended batch gets, where a lookup starts, and trimming. Entries are queued to the LMDB
 * committer; a file position or batch offset they give is a starting point for a scan of the segment,
 * never the answer itself. Changed under the partition lock; lookups run on any thread.
 */
final class PartitionIndex {
    private final byte[] prefix;
    private final LmdbStore store;
    private int intervalBytes = 4096;
    private int bytesSinceIndex;
    private long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private long maxTimestampBatch; // base offset of the batch that reached maxTimestampSoFar
    private long lastTimeIndexed = Long.MIN_VALUE;

    PartitionIndex(byte[] prefix, LmdbStore store) {
        this.prefix = prefix;
        this.store = store;
    }

    /** At open: the running maximum continues from the last time entry. */
    void loadLastTimeEntry() {
        store.floor(store.times, prefix, -1L, (k, v) -> {
            lastTimeIndexed = StoreLayout.timeFromKey(k);
            maxTimestampSoFar = lastTimeIndexed;
            maxTimestampBatch = v.getLong(v.position());
        });
    }

    /** After a truncation whose index drops are committed: the running maximum continues from the last time entry left. */
    void reloaded() {
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        lastTimeIndexed = Long.MIN_VALUE;
        loadLastTimeEntry();
    }

    /** Forgets every entry (the index is rebuilt from the segments). */
    void clear() {
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        lastTimeIndexed = Long.MIN_VALUE;
        store.enqueue((s, txn) -> {
            s.deletePrefix(txn, s.offsets, prefix);
            s.deletePrefix(txn, s.times, prefix);
        });
    }

    /** {@code index.interval.bytes}: bytes between offset entries. */
    void intervalBytes(int bytes) {
        intervalBytes = bytes;
    }

    /** A new segment starts: its first batch needs no offset entry (position 0). */
    void segmentStarted() {
        bytesSinceIndex = 0;
    }

    /** Decides the entries of a batch now in the segment file at position and queues them. */
    void add(long baseOffset, int position, int size, long maxTimestamp) {
        boolean segmentStart = position == 0;
        if (maxTimestamp > maxTimestampSoFar) {
            maxTimestampSoFar = maxTimestamp;
            maxTimestampBatch = baseOffset;
        }
        boolean indexIt = !segmentStart && bytesSinceIndex >= intervalBytes;
        bytesSinceIndex = segmentStart || indexIt ? size : bytesSinceIndex + size;
        if (indexIt) {
            store.enqueue((s, txn) -> s.put(txn, s.offsets, prefix, baseOffset, ByteBuffer.allocate(4).putInt(position).array()));
        }
        if ((indexIt || segmentStart) && maxTimestampSoFar > lastTimeIndexed) {
            seal();
        }
    }

    /** Indexes the largest timestamp so far if it is not yet (before a roll, a flush, a close). */
    void seal() {
        if (maxTimestampSoFar > lastTimeIndexed) {
            lastTimeIndexed = maxTimestampSoFar;
            long timestamp = maxTimestampSoFar;
            long batch = maxTimestampBatch;
            store.enqueue((s, txn) -> s.put(txn, s.times, prefix, StoreLayout.timeKey(timestamp), ByteBuffer.allocate(8).putLong(batch).array()));
        }
    }

    /** Drops entries of offsets at or after end: they point at data that is gone (an OS crash lost the files' tail). */
    void dropFrom(long end) {
        store.enqueue((s, txn) -> {
            s.deleteFrom(txn, s.offsets, prefix, end);
            s.deleteTailWhileValueAtLeast(txn, s.times, prefix, end);
        });
    }

    /** Drops entries below the first segment's base (their segments were deleted). */
    void dropBelow(long firstBase) {
        store.enqueue((s, txn) -> {
            s.deleteBelow(txn, s.offsets, prefix, firstBase);
            s.deleteHeadWhileValueBelow(txn, s.times, prefix, firstBase);
        });
    }

    /**
     * Drops the offset entries of [from, to) (segments the cleaner replaces); the future completes once
     * readers no longer see them. Time entries stay valid: they give an offset at or before the answer.
     */
    java.util.concurrent.CompletableFuture<Void> dropRange(long from, long to) {
        return store.commit((s, txn) -> s.deleteRange(txn, s.offsets, prefix, from, to));
    }

    /** Queues an offset entry of a cleaned segment. */
    void addEntry(long offset, int position) {
        store.enqueue((s, txn) -> s.put(txn, s.offsets, prefix, offset, ByteBuffer.allocate(4).putInt(position).array()));
    }

    /** A file position in the segment at or before the batch holding offset (0 without an entry in it). */
    int position(long segmentBase, int segmentSize, long offset) {
        int[] position = {0};
        store.floor(store.offsets, prefix, offset, (indexed, value) -> {
            if (indexed >= segmentBase) {
                position[0] = value.getInt(value.position());
            }
        });
        return Math.min(position[0], segmentSize);
    }

    /** An offset at or before the first record whose timestamp is >= target. */
    long timeScanStart(long target, long logStartOffset) {
        return batchOfTimeEntry(StoreLayout.timeKey(target) - 1, logStartOffset);
    }

    /** An offset at or before the record with the largest timestamp. */
    long maxTimestampScanStart(long logStartOffset) {
        return batchOfTimeEntry(-1L, logStartOffset); // the greatest key
    }

    private long batchOfTimeEntry(long floorKey, long logStartOffset) {
        long[] from = {logStartOffset};
        store.floor(store.times, prefix, floorKey, (k, v) -> from[0] = Math.max(from[0], v.getLong(v.position())));
        return from[0];
    }
}
