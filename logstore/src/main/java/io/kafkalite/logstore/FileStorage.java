package io.kafkalite.logstore;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition on disk: segment files of record batches exactly as appended, indexed in LMDB.
 *
 * <p>The segment files are the truth. Index entries, time entries and producer state reach LMDB
 * through the committer a little after the append, together with a recovery point (the offset up to
 * which they are complete). On open the segments are re-read from the recovery point: entries for
 * batches after it are rebuilt, and a torn or corrupt tail is truncated. If the files end before the
 * recovery point (LMDB got ahead of data lost in an OS crash) the partition's LMDB state is rebuilt
 * from the files.
 */
final class FileStorage implements PartitionStorage {
    private static final Logger log = LoggerFactory.getLogger(FileStorage.class);
    private static final int MAX_DECOMPRESSED = Integer.MAX_VALUE;

    private final Path dir;
    private final byte[] prefix;
    private final LmdbStore store;
    private final ConcurrentSkipListMap<Long, FileRecords> segments = new ConcurrentSkipListMap<>();
    private final ProducerStateTable recoveredProducers = new ProducerStateTable();
    private final Map<Long, Long> segmentMaxTimestamps = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    // written under the partition lock only
    private int bytesSinceIndex;
    private long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private long maxTimestampBatch; // base offset of the batch that reached maxTimestampSoFar
    private long lastTimeIndexed = Long.MIN_VALUE;
    private long unflushedMessages;
    private int indexIntervalBytes = 4096;
    /** When the active segment took its first batch (or the store opened): segment.ms counts from here. */
    private long activeSegmentSince = System.currentTimeMillis();

    private FileStorage(Path dir, byte[] prefix, LmdbStore store) {
        this.dir = dir;
        this.prefix = prefix;
        this.store = store;
    }

    static FileStorage open(Path dir, byte[] prefix, LmdbStore store) throws IOException {
        FileStorage s = new FileStorage(dir, prefix, store);
        Files.createDirectories(dir);
        s.openSegments();
        s.recover();
        return s;
    }

    private void openSegments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".log"))::iterator) {
                String name = p.getFileName().toString();
                long base = Long.parseLong(name.substring(0, name.length() - 4));
                segments.put(base, FileRecords.open(p.toFile(), true));
            }
        }
        if (segments.isEmpty()) {
            segments.put(0L, newSegment(0L));
        }
    }

    private FileRecords newSegment(long baseOffset) throws IOException {
        return FileRecords.open(dir.resolve(StoreLayout.segmentFileName(baseOffset)).toFile(), true);
    }

    // ---------------------------------------------------------------- recovery

    private void recover() throws IOException {
        ByteBuffer state = store.get(store.partitions, prefix);
        long recoveryPoint = state == null ? -1 : state.getLong(0);
        logStartOffset = state == null ? segments.firstKey() : Math.max(state.getLong(8), segments.firstKey());
        if (recoveryPoint < 0) {
            rebuild();
            return;
        }
        store.scan(store.producers, prefix, (pid, value) -> recoveredProducers.load(pid, value));
        store.floor(store.times, prefix, -1L, (k, v) -> {
            lastTimeIndexed = StoreLayout.timeFromKey(k);
            maxTimestampSoFar = lastTimeIndexed;
            maxTimestampBatch = v.getLong(v.position());
        });
        long end = replayFrom(recoveryPoint);
        if (end < recoveryPoint) {
            log.warn("{}: segment files end at offset {} but the index reached {}; rebuilding the index from the files",
                    dir.getFileName(), end, recoveryPoint);
            rebuild();
        }
    }

    /** Drops this partition's LMDB state and re-reads every segment. */
    private void rebuild() throws IOException {
        recoveredProducers.clear();
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        lastTimeIndexed = Long.MIN_VALUE;
        store.enqueue((s, txn) -> {
            s.deletePrefix(txn, s.offsets, prefix);
            s.deletePrefix(txn, s.times, prefix);
            s.deletePrefix(txn, s.producers, prefix);
        });
        replayFrom(-1);
    }

    /**
     * Reads every batch from the one holding {@code from} (all when -1) to the end, truncating at the first
     * torn or corrupt batch, and re-indexes the batches at or after {@code from}.
     * @return the log end offset
     */
    private long replayFrom(long from) throws IOException {
        long start = from < 0 ? segments.firstKey() : from;
        Map.Entry<Long, FileRecords> first = segments.floorEntry(start);
        if (first == null) {
            first = segments.firstEntry();
        }
        int position = indexPosition(first.getKey(), first.getValue(), start);
        long end = first.getKey();
        for (Map.Entry<Long, FileRecords> e : segments.tailMap(first.getKey(), true).entrySet()) {
            FileRecords seg = e.getValue();
            end = Math.max(end, e.getKey());
            int validTo = position;
            bytesSinceIndex = 0;
            try {
                for (FileChannelRecordBatch b : seg.batchesFrom(position)) {
                    b.ensureValid();
                    if (b.baseOffset() >= from) {
                        indexWrittenBatch(b.baseOffset(), b.nextOffset(), b.position(), b.sizeInBytes(), b.maxTimestamp(),
                                b.position() == 0);
                        if (b.hasProducerId()) {
                            ProducerStateTable.ProducerEntry entry = recoveredProducers.update(b.producerId(), b.producerEpoch(),
                                    new ProducerStateTable.BatchMetadata(b.baseSequence(), b.lastSequence(), b.baseOffset(), b.maxTimestamp()));
                            enqueueProducer(b.producerId(), ProducerStateTable.encode(entry));
                        }
                    }
                    validTo = b.position() + b.sizeInBytes();
                    end = b.nextOffset();
                }
            } catch (RuntimeException corrupt) {
                log.warn("{}: corrupt batch at position {} of segment {}: {}", dir.getFileName(), validTo, e.getKey(), corrupt.toString());
            }
            if (validTo < seg.sizeInBytes()) {
                log.warn("{}: truncating segment {} from {} to {} bytes (torn or corrupt tail)", dir.getFileName(), e.getKey(),
                        seg.sizeInBytes(), validTo);
                seg.truncateTo(validTo);
                deleteSegmentsAfter(e.getKey());
                break;
            }
            position = 0;
        }
        logEndOffset = end;
        enqueueRecoveryPoint(end);
        return end;
    }

    private void deleteSegmentsAfter(long base) throws IOException {
        for (Long later : segments.tailMap(base, false).keySet()) {
            FileRecords dropped = segments.remove(later);
            dropped.close();
            dropped.deleteIfExists();
        }
    }

    @Override
    public void loadProducers(ProducerStateTable table) {
        recoveredProducers.forEach((pid, entry) -> {
            ByteBuffer encoded = ByteBuffer.wrap(ProducerStateTable.encode(entry));
            table.load(pid, encoded);
        });
    }

    // ---------------------------------------------------------------- append

    @Override
    public void append(MemoryRecords records, long producerId, byte[] producerUpdate, LogConfig config) throws IOException {
        indexIntervalBytes = config.indexIntervalBytes;
        Map.Entry<Long, FileRecords> active = segments.lastEntry();
        FileRecords seg = active.getValue();
        long base = records.batches().iterator().next().baseOffset();
        long now = System.currentTimeMillis();
        if (seg.sizeInBytes() == 0) {
            activeSegmentSince = now;
        }
        boolean full = (long) seg.sizeInBytes() + records.sizeInBytes() > config.segmentBytes;
        if (seg.sizeInBytes() > 0 && (full || now - activeSegmentSince >= config.segmentMs)) {
            seg.flush();
            seg = newSegment(base);
            segments.put(base, seg);
            bytesSinceIndex = 0;
            activeSegmentSince = now;
        }
        int position = seg.sizeInBytes();
        try {
            seg.append(records);
        } catch (IOException e) {
            seg.truncateTo(position); // never leave part of a batch behind (disk full, I/O error)
            throw e;
        }
        long next = base;
        for (MutableRecordBatch b : records.batches()) {
            indexWrittenBatch(b.baseOffset(), b.nextOffset(), position, b.sizeInBytes(), b.maxTimestamp(), position == 0);
            position += b.sizeInBytes();
            next = b.nextOffset();
            unflushedMessages += b.nextOffset() - b.baseOffset();
        }
        if (producerUpdate != null) {
            enqueueProducer(producerId, producerUpdate);
        }
        logEndOffset = next;
        enqueueRecoveryPoint(next);
        if (unflushedMessages >= config.flushMessages) {
            flush();
        }
    }

    /** Decides the index entries of a batch now in the file and queues them for LMDB. */
    private void indexWrittenBatch(long baseOffset, long nextOffset, int position, int size, long maxTimestamp, boolean segmentStart) {
        if (maxTimestamp > maxTimestampSoFar) {
            maxTimestampSoFar = maxTimestamp;
            maxTimestampBatch = baseOffset;
        }
        boolean indexIt = !segmentStart && bytesSinceIndex >= indexIntervalBytes;
        bytesSinceIndex = segmentStart || indexIt ? size : bytesSinceIndex + size;
        boolean timeIt = (indexIt || segmentStart) && maxTimestampSoFar > lastTimeIndexed;
        if (timeIt) {
            lastTimeIndexed = maxTimestampSoFar;
        }
        if (!indexIt && !timeIt) {
            return;
        }
        long ts = maxTimestampSoFar;
        long tsBatch = maxTimestampBatch;
        store.enqueue((s, txn) -> {
            if (indexIt) {
                s.put(txn, s.offsets, prefix, baseOffset, ByteBuffer.allocate(4).putInt(position).array());
            }
            if (timeIt) {
                s.put(txn, s.times, prefix, StoreLayout.timeKey(ts), ByteBuffer.allocate(8).putLong(tsBatch).array());
            }
        });
    }

    private void enqueueProducer(long producerId, byte[] encoded) {
        store.enqueue((s, txn) -> s.put(txn, s.producers, prefix, producerId, encoded));
    }

    private void enqueueRecoveryPoint(long nextOffset) {
        long start = logStartOffset;
        store.enqueue((s, txn) -> s.put(txn, s.partitions, prefix, ByteBuffer.allocate(16).putLong(nextOffset).putLong(start).array()));
    }

    // ---------------------------------------------------------------- reads

    @Override
    public long logStartOffset() {
        return logStartOffset;
    }

    @Override
    public long logEndOffset() {
        return logEndOffset;
    }

    /** A file position in seg at or before the batch holding offset, from the sparse index. */
    private int indexPosition(long segmentBase, FileRecords seg, long offset) {
        int[] position = {0};
        store.floor(store.offsets, prefix, offset, (indexed, value) -> {
            if (indexed >= segmentBase) {
                position[0] = value.getInt(value.position());
            }
        });
        return Math.min(position[0], seg.sizeInBytes());
    }

    @Override
    public Records read(long offset, int maxBytes, boolean minOneMessage) throws IOException {
        Map.Entry<Long, FileRecords> e = segments.floorEntry(offset);
        while (e != null) {
            FileRecords seg = e.getValue();
            LogOffsetPosition found = seg.searchForOffsetFromPosition(offset, indexPosition(e.getKey(), seg, offset));
            if (found != null) {
                int available = seg.sizeInBytes() - found.position;
                int size = Math.min(available, maxBytes);
                if (minOneMessage && size < found.size) {
                    size = found.size;
                }
                return seg.slice(found.position, size);
            }
            e = segments.higherEntry(e.getKey());
        }
        return MemoryRecords.EMPTY;
    }

    @Override
    public TimestampAndOffset offsetForTimestamp(long target) throws IOException {
        long[] from = {logStartOffset};
        store.floor(store.times, prefix, StoreLayout.timeKey(target) - 1, (k, v) -> from[0] = Math.max(from[0], v.getLong(v.position())));
        Map.Entry<Long, FileRecords> e = segments.floorEntry(from[0]);
        int position = e == null ? 0 : indexPosition(e.getKey(), e.getValue(), from[0]);
        for (; e != null; e = segments.higherEntry(e.getKey()), position = 0) {
            TimestampAndOffset found = e.getValue().searchForTimestamp(target, position, logStartOffset, MAX_DECOMPRESSED);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Override
    public TimestampAndOffset maxTimestamp() throws IOException {
        long[] from = {logStartOffset};
        store.floor(store.times, prefix, -1L, (k, v) -> from[0] = Math.max(from[0], v.getLong(v.position())));
        RecordBatch best = null;
        Map.Entry<Long, FileRecords> e = segments.floorEntry(from[0]);
        int position = e == null ? 0 : indexPosition(e.getKey(), e.getValue(), from[0]);
        for (; e != null; e = segments.higherEntry(e.getKey()), position = 0) {
            for (FileChannelRecordBatch b : e.getValue().batchesFrom(position)) {
                if (best == null || b.maxTimestamp() > best.maxTimestamp()) {
                    best = b;
                }
            }
        }
        if (best == null) {
            return null;
        }
        for (Iterator<Record> it = best.iterator(); it.hasNext(); ) {
            Record r = it.next();
            if (r.timestamp() == best.maxTimestamp()) {
                return new TimestampAndOffset(r.timestamp(), r.offset(), java.util.Optional.of(best.partitionLeaderEpoch()));
            }
        }
        return new TimestampAndOffset(best.maxTimestamp(), best.lastOffset(), java.util.Optional.of(best.partitionLeaderEpoch()));
    }

    @Override
    public void advanceLogStart(long offset) throws IOException {
        if (offset <= logStartOffset) {
            return;
        }
        logStartOffset = offset;
        // a segment whose successor starts at or below the new start holds nothing readable any more
        for (Map.Entry<Long, FileRecords> e : segments.headMap(offset, true).entrySet()) {
            Long next = segments.higherKey(e.getKey());
            if (next != null && next <= offset) {
                segments.remove(e.getKey());
                segmentMaxTimestamps.remove(e.getKey());
                deleteLater(e.getValue());
            }
        }
        long firstBase = segments.firstKey();
        store.enqueue((s, txn) -> s.deleteBelow(txn, s.offsets, prefix, firstBase));
        enqueueRecoveryPoint(logEndOffset);
    }

    @Override
    public long retentionPoint(long retentionMs, long retentionBytes, long nowMs) throws IOException {
        long total = 0;
        for (FileRecords seg : segments.values()) {
            total += seg.sizeInBytes();
        }
        long keepFrom = logStartOffset;
        for (Map.Entry<Long, FileRecords> e : segments.entrySet()) {
            Long next = segments.higherKey(e.getKey());
            if (next == null) {
                break; // the active segment stays
            }
            boolean tooOld = retentionMs >= 0 && largestTimestamp(e.getKey(), e.getValue()) < nowMs - retentionMs;
            boolean tooBig = retentionBytes >= 0 && total - e.getValue().sizeInBytes() >= retentionBytes;
            if (!tooOld && !tooBig) {
                break;
            }
            total -= e.getValue().sizeInBytes();
            keepFrom = Math.max(keepFrom, next);
        }
        return keepFrom;
    }

    /** The largest batch timestamp of a rolled (immutable) segment; computed once. */
    private long largestTimestamp(long base, FileRecords seg) throws IOException {
        Long known = segmentMaxTimestamps.get(base);
        if (known != null) {
            return known;
        }
        long max = RecordBatch.NO_TIMESTAMP;
        for (FileChannelRecordBatch b : seg.batches()) {
            max = Math.max(max, b.maxTimestamp());
        }
        segmentMaxTimestamps.put(base, max);
        return max;
    }

    /** Unlinks a segment now and closes it after file.delete.delay.ms, so fetches still sending it finish. */
    private static void deleteLater(FileRecords segment) {
        java.io.File file = segment.file();
        if (!file.delete()) {
            log.warn("Could not delete segment {}", file);
        }
        CompletableFuture.runAsync(() -> {
            try {
                segment.close();
            } catch (IOException e) {
                log.warn("Closing deleted segment {} failed", file, e);
            }
        }, CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS));
    }

    @Override
    public void flush() throws IOException {
        segments.lastEntry().getValue().flush();
        unflushedMessages = 0;
    }

    @Override
    public void close(boolean delete) throws IOException {
        for (FileRecords seg : segments.values()) {
            seg.close();
        }
        if (delete) {
            store.enqueue((s, txn) -> {
                s.deletePrefix(txn, s.offsets, prefix);
                s.deletePrefix(txn, s.times, prefix);
                s.deletePrefix(txn, s.producers, prefix);
                s.delete(txn, s.partitions, prefix);
            });
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }
}
