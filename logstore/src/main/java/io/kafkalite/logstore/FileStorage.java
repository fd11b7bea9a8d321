package io.kafkalite.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
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
 * through the committer a little after the append. The recovery point is the offset below which the
 * segments are fsynced (it moves only after a flush: the rolled segment's, {@code flush.ms},
 * {@code flush.messages}, a clean shutdown). On open, only the batches from the recovery point on are
 * re-read and validated: their index entries and producer state are rebuilt, a torn or corrupt tail
 * is truncated, and index entries past the surviving end are dropped. Start-up after a crash is thus
 * bounded by the unflushed data, not by the retained data.
 *
 * <p>Any I/O error takes the log directory offline ({@link LogDirHealth}); nothing is written after it.
 */
final class FileStorage implements PartitionStorage {
    private static final Logger log = LoggerFactory.getLogger(FileStorage.class);
    private static final int MAX_DECOMPRESSED = Integer.MAX_VALUE;

    private final Path dir;
    private final byte[] prefix;
    private final LmdbStore store;
    private final LogDirHealth health;
    private final ScheduledExecutorService io; // fsyncs of rolled segments and delayed deletes, off the request path
    private final ConcurrentSkipListMap<Long, FileRecords> segments = new ConcurrentSkipListMap<>();
    private final ProducerStateTable recoveredProducers = new ProducerStateTable();
    private final Map<Long, Long> segmentMaxTimestamps = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long logStartOffset;
    private volatile LogEnd logEnd = LogEnd.EMPTY;
    private volatile long recoveryPoint; // segments below it are fsynced
    private volatile long cleanedTo = -1; // the log cleaner's first dirty offset (-1: never cleaned)
    private volatile long highWatermark = -1; // checkpointed for replicated partitions (-1: none)
    private final Object flushLock = new Object();
    private final Object stateLock = new Object();
    private long dirSyncedFor = -1; // the newest segment whose directory entry is fsynced (under flushLock)
    private volatile boolean deleted;
    private final AtomicLong flushRequested = new AtomicLong();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final PartitionIndex index;
    private final AbortedTxnIndex abortedIndex;
    // written under the partition lock only
    private long unflushedMessages;
    /** When the active segment took its first batch (or the store opened): segment.ms counts from here. */
    private long activeSegmentSince = System.currentTimeMillis();

    private FileStorage(Path dir, byte[] prefix, LmdbStore store, LogDirHealth health, ScheduledExecutorService io) {
        this.dir = dir;
        this.prefix = prefix;
        this.store = store;
        this.health = health;
        this.io = io;
        this.index = new PartitionIndex(prefix, store);
        this.abortedIndex = new AbortedTxnIndex(prefix, store);
    }

    static FileStorage open(Path dir, byte[] prefix, LmdbStore store, LogDirHealth health, ScheduledExecutorService io)
            throws IOException {
        FileStorage s = new FileStorage(dir, prefix, store, health, io);
        Files.createDirectories(dir);
        s.openSegments();
        s.recover();
        return s;
    }

    private void openSegments() throws IOException {
        for (long[] range : SegmentSwap.finishLeftovers(dir)) {
            store.enqueue((s, txn) -> s.deleteRange(txn, s.offsets, prefix, range[0], range[1]));
        }
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
        if (state == null) {
            logStartOffset = segments.firstKey();
            rebuild();
            return;
        }
        long flushedTo = state.getLong(0);
        logStartOffset = Math.max(state.getLong(8), segments.firstKey());
        cleanedTo = state.remaining() >= 24 ? state.getLong(16) : -1;
        highWatermark = state.remaining() >= 32 ? state.getLong(24) : -1;
        store.scan(store.producers, prefix, (pid, value) -> recoveredProducers.load(pid, value));
        for (long pid : recoveredProducers.forgetBatchesFrom(flushedTo)) { // re-read below, if they survived
            ProducerStateTable.ProducerEntry left = recoveredProducers.get(pid);
            if (left == null) {
                deleteProducer(pid);
            } else {
                enqueueProducer(pid, ProducerStateTable.encode(left));
            }
        }
        index.loadLastTimeEntry();
        recoveryPoint = flushedTo;
        long end = replayFrom(flushedTo);
        logStartOffset = Math.min(logStartOffset, end); // a truncation to a new start may have been cut short
        if (end < flushedTo) {
            log.warn("{}: segment files end at offset {} but were flushed to {}; rebuilding the index from the files",
                    dir.getFileName(), end, flushedTo);
            rebuild();
            return;
        }
        index.dropFrom(end);
        abortedIndex.dropFrom(end);
        if (end > flushedTo) {
            flush(sealIndex()); // what survived the crash is made durable before it is served
        }
    }

    /** Drops this partition's LMDB state and re-reads every segment. */
    private void rebuild() throws IOException {
        recoveredProducers.clear();
        recoveryPoint = -1;
        index.clear();
        abortedIndex.clear();
        store.enqueue((s, txn) -> s.deletePrefix(txn, s.producers, prefix));
        replayFrom(-1);
        flush(sealIndex());
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
        int position = index.position(first.getKey(), first.getValue().sizeInBytes(), start);
        long end = first.getKey();
        for (Map.Entry<Long, FileRecords> e : segments.tailMap(first.getKey(), true).entrySet()) {
            FileRecords seg = e.getValue();
            end = Math.max(end, e.getKey());
            int validTo = position;
            index.segmentStarted();
            try {
                for (FileChannelRecordBatch b : seg.batchesFrom(position)) {
                    b.ensureValid();
                    if (b.baseOffset() < end) { // old bytes past a truncation that an OS crash brought back
                        throw new CorruptRecordException("batch at offset " + b.baseOffset() + " follows offset " + end);
                    }
                    if (b.baseOffset() >= from) {
                        index.add(b.baseOffset(), b.position(), b.sizeInBytes(), b.maxTimestamp());
                        if (b.hasProducerId()) {
                            ProducerStateTable.ProducerEntry entry = b.isControlBatch() && b.countOrNull() != null && b.countOrNull() == 0
                                    ? recoveredProducers.get(b.producerId()) // a marker the cleaner emptied: its epoch was replayed before
                                    : b.isControlBatch() ? replayMarker(b)
                                    : recoveredProducers.update(b.producerId(), b.producerEpoch(), new ProducerStateTable.BatchMetadata(
                                            b.baseSequence(), b.lastSequence(), b.baseOffset(), b.maxTimestamp()), b.isTransactional());
                            if (entry != null) { // null: an emptied marker is all that is left of the producer (Kafka skips it too)
                                enqueueProducer(b.producerId(), ProducerStateTable.encode(entry));
                            }
                        }
                    }
                    validTo = b.position() + b.sizeInBytes();
                    end = b.nextOffset();
                }
            } catch (CorruptRecordException | InvalidRecordException corrupt) { // anything else fails the open: no data is truncated for it
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
        logEnd = new LogEnd(end, segments.lastKey(), segments.lastEntry().getValue().sizeInBytes());
        return end;
    }

    /** A COMMIT or ABORT marker found by recovery: closes the producer's transaction; an abort gets its index row again. */
    private ProducerStateTable.ProducerEntry replayMarker(FileChannelRecordBatch b) {
        Record record = b.iterator().next();
        EndTransactionMarker marker = EndTransactionMarker.deserialize(record);
        ProducerStateTable.ProducerEntry before = recoveredProducers.get(b.producerId());
        long first = before == null ? -1 : before.currentTxnFirstOffset();
        if (marker.controlType() == ControlRecordType.ABORT && first >= 0) {
            long[] stable = {b.baseOffset() + 1};
            recoveredProducers.forEach((pid, e) -> {
                if (pid != b.producerId() && e.currentTxnFirstOffset() >= 0) {
                    stable[0] = Math.min(stable[0], e.currentTxnFirstOffset());
                }
            });
            abortedIndex.enqueue(new AbortedTxn(b.producerId(), first, b.baseOffset(), stable[0]));
        }
        ProducerStateTable.ProducerEntry after = recoveredProducers.afterMarker(b.producerId(), b.producerEpoch(),
                marker.coordinatorEpoch(), b.baseOffset(), b.maxTimestamp(), false);
        recoveredProducers.put(b.producerId(), after);
        return after;
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

    /**
     * Writes the batches to the active segment (rolling it first when full or old). An I/O error
     * truncates what was partly written and takes the log directory offline.
     */
    @Override
    public void append(MemoryRecords records, long producerId, byte[] producerUpdate, LogConfig config) {
        health.check();
        if (deleted) {
            throw new org.apache.kafka.common.errors.UnknownTopicOrPartitionException(dir.getFileName() + " was deleted");
        }
        index.intervalBytes(config.indexIntervalBytes);
        FileRecords seg = segments.lastEntry().getValue();
        long base = records.batches().iterator().next().baseOffset();
        long now = System.currentTimeMillis();
        if (seg.sizeInBytes() == 0) {
            activeSegmentSince = now;
        }
        boolean full = (long) seg.sizeInBytes() + records.sizeInBytes() > config.segmentBytes;
        if (seg.sizeInBytes() > 0 && (full || now - activeSegmentSince >= config.segmentMs)) {
            seg = roll(base, now);
        }
        int position = seg.sizeInBytes();
        try {
            seg.append(records);
        } catch (IOException | RuntimeException e) {
            try {
                seg.truncateTo(position); // never leave part of a batch behind (disk full, I/O error)
            } catch (IOException | RuntimeException t) {
                e.addSuppressed(t);
            }
            throw health.failed("writing to " + dir.getFileName(), e);
        }
        long next = base;
        for (MutableRecordBatch b : records.batches()) {
            index.add(b.baseOffset(), position, b.sizeInBytes(), b.maxTimestamp());
            position += b.sizeInBytes();
            next = b.nextOffset();
            unflushedMessages += b.nextOffset() - b.baseOffset();
        }
        if (producerUpdate != null) {
            enqueueProducer(producerId, producerUpdate);
        }
        logEnd = new LogEnd(next, segments.lastKey(), position);
        if (unflushedMessages >= config.flushMessages) {
            flush(sealIndex()); // flush.messages: the acknowledgement waits for the fsync, as in Kafka
            unflushedMessages = 0;
        }
    }

    /**
     * Starts a new active segment at base. The rolled one gets its final time entry now and its fsync
     * in the background (as Kafka flushes rolled segments asynchronously), after which the recovery
     * point moves to base.
     */
    private FileRecords roll(long base, long now) {
        sealIndex();
        FileRecords seg;
        try {
            seg = newSegment(base);
        } catch (IOException e) {
            throw health.failed("rolling a new segment of " + dir.getFileName(), e);
        }
        segments.put(base, seg);
        index.segmentStarted();
        activeSegmentSince = now;
        flushInBackground(base);
        return seg;
    }

    /** Called under the partition lock: indexes the largest timestamp so far if it is not yet; returns the log end. */
    @Override
    public long sealIndex() {
        index.seal();
        return logEnd.offset();
    }

    private void flushInBackground(long upTo) {
        flushRequested.accumulateAndGet(upTo, Math::max);
        if (flushQueued.compareAndSet(false, true)) { // at most one queued flush per partition
            io.execute(() -> {
                flushQueued.set(false);
                try {
                    flush(flushRequested.get());
                } catch (KafkaStorageException e) {
                    log.debug("Background flush of {} failed; the log directory is offline", dir.getFileName());
                }
            });
        }
    }

    /**
     * fsyncs every segment holding data below upTo that may not be yet, then makes upTo the recovery
     * point. Needs no partition lock (appends go on meanwhile); callers sealed the index up to upTo first.
     */
    @Override
    public void flush(long upTo) {
        synchronized (flushLock) {
            upTo = Math.min(upTo, logEnd.offset()); // a truncation may have come after the seal
            if (upTo <= recoveryPoint || deleted) {
                return;
            }
            health.check();
            Long from = segments.floorKey(Math.max(recoveryPoint, 0));
            long newest = -1;
            try {
                SlowDisk.beforeFsync();
                for (Map.Entry<Long, FileRecords> e : segments.tailMap(from == null ? segments.firstKey() : from, true).entrySet()) {
                    if (e.getKey() >= upTo) {
                        break;
                    }
                    force(e.getKey(), e.getValue());
                    newest = e.getKey();
                }
                if (newest > dirSyncedFor) { // a new segment's directory entry must survive a power loss too
                    LogDir.fsync(dir);
                    dirSyncedFor = newest;
                }
            } catch (IOException | RuntimeException | InterruptedException e) {
                throw health.failed("flushing " + dir.getFileName(), e);
            }
            recoveryPoint = upTo;
            enqueuePartitionState();
        }
    }

    /** fsyncs a segment, unless retention or a deletion closed it meanwhile (then there is nothing to keep). */
    private void force(long base, FileRecords segment) throws IOException {
        try {
            segment.flush();
        } catch (java.nio.channels.ClosedChannelException e) {
            if (segments.get(base) == segment) {
                throw e;
            }
        }
    }

    @Override
    public void saveProducer(long producerId, byte[] encoded) {
        enqueueProducer(producerId, encoded);
    }

    private void enqueueProducer(long producerId, byte[] encoded) {
        store.enqueue((s, txn) -> s.put(txn, s.producers, prefix, producerId, encoded));
    }

    @Override
    public void deleteProducer(long producerId) {
        store.enqueue((s, txn) -> s.delete(txn, s.producers, StoreLayout.key(prefix, producerId)));
    }

    /** Persists the recovery point and the log start offset. */
    private void enqueuePartitionState() {
        synchronized (stateLock) { // flushes and log start moves race: the last row queued must hold the latest of both
            long hw = highWatermark;
            ByteBuffer row = ByteBuffer.allocate(hw < 0 ? 24 : 32).putLong(recoveryPoint).putLong(logStartOffset).putLong(cleanedTo);
            byte[] value = (hw < 0 ? row : row.putLong(hw)).array();
            store.enqueue((s, txn) -> s.put(txn, s.partitions, prefix, value));
        }
    }

    // ---------------------------------------------------------------- replication

    @Override
    public long checkpointedHighWatermark() {
        return highWatermark;
    }

    @Override
    public void checkpointHighWatermark(long hw) {
        if (hw != highWatermark) {
            highWatermark = hw;
            enqueuePartitionState();
        }
    }

    @Override
    public LeaderEpochCache loadEpochCache() {
        return LeaderEpochCache.load(dir);
    }

    @Override
    public LeaderEpochCache newEpochCache() {
        return LeaderEpochCache.empty(dir);
    }

    /**
     * Crash safety: LMDB first says the log may end at the new end (recovery point, index and aborted
     * rows), and that is committed before any file changes; then segments go newest first and the last
     * one is truncated and fsynced. A crash in between leaves a prefix of the old log, which recovery
     * replays from the lowered recovery point (the follower then truncates again).
     */
    @Override
    public long truncateTo(long offset, long fileDeleteDelayMs) throws IOException {
        health.check();
        Map.Entry<Long, FileRecords> floor = segments.floorEntry(offset);
        FileRecords seg = floor.getValue();
        LogOffsetPosition found = seg.searchForOffsetFromPosition(offset, position(floor.getKey(), seg, seg.sizeInBytes(), offset));
        int position = found == null ? seg.sizeInBytes() : found.position;
        long end = found == null ? offset : Math.min(offset, seg.batchesFrom(position).iterator().next().baseOffset());
        synchronized (flushLock) {
            logEnd = new LogEnd(end, floor.getKey(), position); // new reads stop here
            recoveryPoint = Math.min(recoveryPoint, end);
            cleanedTo = Math.min(cleanedTo, end);
            dirSyncedFor = Math.min(dirSyncedFor, floor.getKey());
            index.dropFrom(end);
            abortedIndex.dropFrom(end);
            enqueuePartitionState();
            awaitIndex("truncating");
            index.reloaded();
            try {
                for (Long later : segments.tailMap(floor.getKey(), false).descendingKeySet()) {
                    segmentMaxTimestamps.remove(later);
                    unlinkNow(segments.remove(later), fileDeleteDelayMs);
                }
                seg.truncateTo(position);
                seg.flush();
                LogDir.fsync(dir);
            } catch (IOException | RuntimeException e) {
                throw health.failed("truncating " + dir.getFileName(), e);
            }
        }
        segmentMaxTimestamps.remove(floor.getKey());
        activeSegmentSince = System.currentTimeMillis();
        return end;
    }

    /**
     * Crash safety: LMDB first drops every row of the partition and asks for a full replay at the next
     * start (recovery point -1); then segments go newest first, the oldest is emptied and renamed to the
     * new base. Whatever a crash leaves, recovery replays all of it, capping the log start at the end.
     */
    @Override
    public void truncateFullyAndStartAt(long offset, long fileDeleteDelayMs) throws IOException {
        health.check();
        synchronized (flushLock) {
            logStartOffset = offset;
            logEnd = new LogEnd(offset, segments.lastKey(), 0); // reads of offsets >= the new start find nothing
            recoveryPoint = -1;
            cleanedTo = -1;
            index.clear();
            abortedIndex.clear();
            store.enqueue((s, txn) -> s.deletePrefix(txn, s.producers, prefix));
            enqueuePartitionState();
            awaitIndex("emptying");
            try {
                Map.Entry<Long, FileRecords> first = segments.firstEntry();
                for (Long later : segments.tailMap(first.getKey(), false).descendingKeySet()) {
                    unlinkNow(segments.remove(later), fileDeleteDelayMs);
                }
                FileRecords seg = first.getValue();
                seg.truncateTo(0);
                seg.flush();
                if (first.getKey() != offset) {
                    seg.renameTo(dir.resolve(StoreLayout.segmentFileName(offset)).toFile());
                    segments.put(offset, seg);
                    segments.remove(first.getKey());
                }
                LogDir.fsync(dir);
            } catch (IOException | RuntimeException e) {
                throw health.failed("emptying " + dir.getFileName(), e);
            }
            segmentMaxTimestamps.clear();
            dirSyncedFor = offset;
            logEnd = new LogEnd(offset, offset, 0);
            recoveryPoint = offset;
            enqueuePartitionState();
        }
        index.reloaded();
        activeSegmentSince = System.currentTimeMillis();
    }

    /** A truncation's unlink: it must succeed (a file left behind would come back at the next start); closed after the delay. */
    private void unlinkNow(FileRecords segment, long delayMs) throws IOException {
        Files.deleteIfExists(segment.file().toPath());
        io.schedule(() -> closeQuietly(segment), delayMs, TimeUnit.MILLISECONDS);
    }

    /** Waits until every queued LMDB write of the partition is committed (before files change under them). */
    private void awaitIndex(String what) {
        try {
            store.commit((s, txn) -> { }).join();
        } catch (RuntimeException e) {
            throw health.failed(what + " " + dir.getFileName(), e);
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public long logStartOffset() {
        return logStartOffset;
    }

    @Override
    public LogEnd logEnd() {
        return logEnd;
    }

    @Override
    public Records read(long offset, int maxBytes, boolean minOneMessage, LogEnd end) throws IOException {
        health.check();
        return readFrom(segments.floorEntry(offset), offset, maxBytes, minOneMessage, end);
    }

    /** A read that starts its scan at segment e (the floor of offset when it was looked up; the cleaner may replace it since). */
    Records readFrom(Map.Entry<Long, FileRecords> e, long offset, int maxBytes, boolean minOneMessage, LogEnd end) throws IOException {
        while (e != null && e.getKey() <= end.segmentBase()) {
            FileRecords seg = e.getValue();
            int limit = e.getKey() == end.segmentBase() ? end.position() : seg.sizeInBytes(); // nothing past the end read
            LogOffsetPosition found = seg.searchForOffsetFromPosition(offset, position(e.getKey(), seg, limit, offset));
            if (found != null && found.position < limit) {
                int available = limit - found.position;
                int size = Math.min(available, maxBytes);
                if (minOneMessage && size < found.size) {
                    size = found.size;
                }
                return seg.slice(found.position, size);
            }
            e = next(e, offset);
        }
        return MemoryRecords.EMPTY;
    }

    /**
     * The segment to scan after e for offsets from {@code from} on: the next one, or, when the cleaner
     * replaced e meanwhile, the one now holding {@code from} (the cleaned file also holds the offsets of
     * the segments after e that it replaced).
     */
    private Map.Entry<Long, FileRecords> next(Map.Entry<Long, FileRecords> e, long from) {
        if (segments.get(e.getKey()) != e.getValue()) {
            Map.Entry<Long, FileRecords> now = segments.floorEntry(from);
            return now != null ? now : segments.firstEntry();
        }
        return segments.higherEntry(e.getKey());
    }

    /**
     * Where a scan of seg for offset may start: the index entry's position, or 0 when the cleaner replaced
     * seg meanwhile (the entry may then describe the new file; seg stays readable until it is closed).
     */
    private int position(long base, FileRecords seg, int limit, long offset) {
        int p = index.position(base, limit, offset);
        return segments.get(base) == seg ? p : 0;
    }

    @Override
    public LogEnd locate(long offset) throws IOException {
        Map.Entry<Long, FileRecords> e = segments.floorEntry(offset);
        if (e == null) {
            return new LogEnd(offset, segments.firstKey(), 0);
        }
        FileRecords seg = e.getValue();
        LogOffsetPosition found = seg.searchForOffsetFromPosition(offset, position(e.getKey(), seg, seg.sizeInBytes(), offset));
        return found == null ? new LogEnd(offset, e.getKey(), seg.sizeInBytes()) : new LogEnd(offset, e.getKey(), found.position);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> addAbortedTxn(AbortedTxn txn) {
        health.check();
        return abortedIndex.add(txn);
    }

    @Override
    public java.util.List<AbortedTxn> abortedTxns(long fetchOffset, long upperBound) {
        return abortedIndex.find(fetchOffset, upperBound);
    }

    @Override
    public TimestampAndOffset offsetForTimestamp(long target) throws IOException {
        long from = index.timeScanStart(target, logStartOffset);
        Map.Entry<Long, FileRecords> e = segments.floorEntry(from);
        int position = e == null ? 0 : position(e.getKey(), e.getValue(), e.getValue().sizeInBytes(), from);
        for (; e != null; e = next(e, e.getKey()), position = 0) {
            TimestampAndOffset found = e.getValue().searchForTimestamp(target, position, logStartOffset, MAX_DECOMPRESSED);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Override
    public TimestampAndOffset maxTimestamp() throws IOException {
        long from = index.maxTimestampScanStart(logStartOffset);
        if (from < cleanedTo) {
            from = logStartOffset; // the cleaner may have removed that batch: the cleaned (small) part is scanned too
        }
        RecordBatch best = null;
        Map.Entry<Long, FileRecords> e = segments.floorEntry(from);
        int position = e == null ? 0 : position(e.getKey(), e.getValue(), e.getValue().sizeInBytes(), from);
        for (; e != null; e = next(e, e.getKey()), position = 0) {
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
    public void advanceLogStart(long offset, long fileDeleteDelayMs) {
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
                deleteLater(e.getValue(), fileDeleteDelayMs);
            }
        }
        long firstBase = segments.firstKey();
        index.dropBelow(firstBase);
        abortedIndex.dropBelow(firstBase);
        enqueuePartitionState();
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
        if (max == RecordBatch.NO_TIMESTAMP) {
            max = seg.file().lastModified(); // no timestamps (old message formats): Kafka falls back to the file's age too
        }
        segmentMaxTimestamps.put(base, max);
        return max;
    }

    // ---------------------------------------------------------------- log cleaner

    /** The rolled segments (all but the active one), oldest first: base offset and file. */
    java.util.List<Map.Entry<Long, FileRecords>> rolledSegments() {
        java.util.List<Map.Entry<Long, FileRecords>> rolled = new java.util.ArrayList<>();
        Long active = segments.lastKey();
        for (Map.Entry<Long, FileRecords> e : segments.headMap(active, false).entrySet()) {
            rolled.add(Map.entry(e.getKey(), e.getValue()));
        }
        return rolled;
    }

    /** The base of the segment after base (the active segment's base for the last rolled one). */
    long nextBase(long base) {
        Long next = segments.higherKey(base);
        return next == null ? logEnd.offset() : next;
    }

    long recoveryPoint() {
        return recoveryPoint;
    }

    /** Whether the cleaner should leave this partition alone: deleted, or its log directory offline. */
    boolean closedForCleaning() {
        return deleted || health.isOffline();
    }

    /** The cleaner's first dirty offset, -1 when it never cleaned this partition. */
    long cleanedTo() {
        return cleanedTo;
    }

    void markCleaned(long offset) {
        cleanedTo = offset;
        enqueuePartitionState();
    }

    long largestTimestampOf(long base, FileRecords seg) throws IOException {
        return largestTimestamp(base, seg);
    }

    /** A new empty file the cleaner writes a group of cleaned segments into; invisible until {@link #replaceSegments}. */
    FileRecords newCleanedFile(long base) throws IOException {
        Path file = SegmentSwap.cleanedFile(dir, base);
        Files.deleteIfExists(file);
        return FileRecords.open(file.toFile(), true);
    }

    /** Deletes the index rows of aborted transactions whose data the cleaner removed, before the swap that may drop their markers. */
    java.util.concurrent.CompletableFuture<Void> dropAbortedTxns(java.util.List<AbortedTxn> txns) {
        return txns.isEmpty() ? java.util.concurrent.CompletableFuture.completedFuture(null) : abortedIndex.remove(txns);
    }

    /** Drops the offset index entries of [from, to) before their segments are replaced; done once readers no longer see them. */
    java.util.concurrent.CompletableFuture<Void> dropIndexRange(long from, long to) {
        return index.dropRange(from, to);
    }

    /**
     * Replaces the rolled segments {@code olds} (consecutive, the last one ending at {@code end}) with
     * {@code cleaned}, fsynced already, and queues its index entries ({@code entries}: offset, position
     * pairs). Called under the partition lock; only renames and unlinks files. The old files stay open
     * for file.delete.delay.ms so fetches still sending them finish.
     * @return false when the segments changed meanwhile (retention, DeleteRecords, deletion): nothing was replaced
     */
    boolean replaceSegments(java.util.List<Map.Entry<Long, FileRecords>> olds, long end, FileRecords cleaned,
                            java.util.List<long[]> entries, long fileDeleteDelayMs) throws IOException {
        health.check();
        long base = olds.get(0).getKey();
        boolean unchanged = !deleted && nextBase(olds.get(olds.size() - 1).getKey()) == end && segments.lastKey() >= end;
        for (Map.Entry<Long, FileRecords> e : olds) {
            unchanged &= segments.get(e.getKey()) == e.getValue();
        }
        if (!unchanged) {
            return false;
        }
        try {
            cleaned.renameTo(SegmentSwap.swapFile(dir, base, end).toFile()); // the commit point: a restart completes it
            for (Map.Entry<Long, FileRecords> e : olds.subList(1, olds.size())) {
                Files.deleteIfExists(e.getValue().file().toPath());
            }
            cleaned.renameTo(dir.resolve(StoreLayout.segmentFileName(base)).toFile()); // replaces the first old file
        } catch (IOException | RuntimeException e) {
            throw health.failed("swapping cleaned segments of " + dir.getFileName(), e);
        }
        segments.put(base, cleaned);
        for (Map.Entry<Long, FileRecords> e : olds) {
            if (e.getKey() != base) {
                segments.remove(e.getKey());
            }
            segmentMaxTimestamps.remove(e.getKey());
            io.schedule(() -> closeQuietly(e.getValue()), fileDeleteDelayMs, TimeUnit.MILLISECONDS);
        }
        for (long[] entry : entries) {
            index.addEntry(entry[0], (int) entry[1]);
        }
        return true;
    }

    /** fsyncs the directory after a swap, so the renames survive a power loss too; needs no lock. */
    void syncDir() {
        try {
            LogDir.fsync(dir);
        } catch (IOException e) {
            throw health.failed("syncing " + dir.getFileName(), e);
        }
    }

    String name() {
        return dir.getFileName().toString();
    }

    /** Unlinks a segment now and closes it after file.delete.delay.ms, so fetches still sending it finish. */
    private void deleteLater(FileRecords segment, long delayMs) {
        java.io.File file = segment.file();
        if (!file.delete()) {
            log.warn("Could not delete segment {}", file);
        }
        io.schedule(() -> closeQuietly(segment), delayMs, TimeUnit.MILLISECONDS);
    }

    private static void closeQuietly(FileRecords segment) {
        try {
            segment.close();
        } catch (IOException e) {
            log.warn("Closing segment {} failed", segment.file(), e);
        }
    }

    /** Called under the partition lock at shutdown: everything written is fsynced, so the next start re-reads nothing. */
    @Override
    public void close() {
        if (!health.isOffline()) {
            flush(sealIndex());
        }
        segments.values().forEach(FileStorage::closeQuietly);
    }

    /**
     * Removes the partition: its index entries now, its directory renamed at once to
     * {@code <dir>.<id>-delete} (so nothing can open it again) and deleted after file.delete.delay.ms,
     * so fetches still sending its segments finish.
     */
    @Override
    public void delete(long fileDeleteDelayMs) throws IOException {
        deleted = true;
        store.enqueue((s, txn) -> {
            s.deletePrefix(txn, s.offsets, prefix);
            s.deletePrefix(txn, s.times, prefix);
            s.deletePrefix(txn, s.producers, prefix);
            s.deletePrefix(txn, s.aborted, prefix);
            s.delete(txn, s.partitions, prefix);
        });
        Path trash = LogDir.trashName(dir);
        Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        io.schedule(() -> {
            segments.values().forEach(FileStorage::closeQuietly);
            try {
                LogDir.deleteTree(trash);
            } catch (java.io.UncheckedIOException e) {
                log.warn("Deleting {} failed; it is retried at the next start", trash, e);
            }
        }, fileDeleteDelayMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public long sizeInBytes() {
        long size = 0;
        for (FileRecords seg : segments.values()) {
            size += seg.sizeInBytes();
        }
        return size;
    }

    @Override
    public LogDirHealth logDir() {
        return health;
    }
}
