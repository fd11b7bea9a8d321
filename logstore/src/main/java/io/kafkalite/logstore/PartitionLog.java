package io.kafkalite.logstore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;

/**
 * One partition: checks batches, deduplicates idempotent producers, assigns offsets and hands the
 * batches to its storage. One writer at a time (the partition lock); readers never take it.
 * On a single broker the high watermark is the log end offset.
 *
 * <p>Transactions: a transactional batch opens its producer's transaction here (it must have been
 * verified with the transaction coordinator first, through a {@link #transactionGuard}, unless the
 * transaction is already open here); a COMMIT or ABORT marker ({@link #writeTxnMarker}) closes it. The
 * last stable offset is the first offset of the oldest open transaction (the high watermark when none
 * is open); read_committed reads end there. It is published as one value ({@link #lastStable}) after
 * the data it covers, so a reader never sees a transactional batch without seeing its transaction open.
 *
 * <p>Replication: batches are stamped with the {@link #leaderEpoch}, set by {@link #becomeLeader} /
 * {@link #becomeFollower} (0 on a single broker, where nobody calls them), and the leader epoch cache
 * ({@link LeaderEpochCache}) records where each epoch starts. When {@link #setReplicated replicated}, the
 * high watermark is tracked ({@link #updateHighWatermark}) instead of being the log end: consumer reads
 * stop there, the last stable offset never passes it, and {@link #readForReplica} reads to the log end.
 * A follower appends the leader's batches with {@link #appendAsFollower} and truncates with
 * {@link #truncateTo} / {@link #truncateFullyAndStartAt} (see {@link FollowerLog}).
 */
public final class PartitionLog {
    /** The leader epoch of a single broker, which never changes leader; batches carry it so the field is set from day one. */
    public static final int LEADER_EPOCH = 0;

    private final TopicPartition topicPartition;
    private final PartitionStorage storage;
    private final ProducerStateTable producers = new ProducerStateTable();
    private volatile LogConfig config;
    private volatile long appendedBytes; // written under the partition lock only
    private volatile long lastFlushMs = System.currentTimeMillis();
    /** Guards of transactional batches being verified with the coordinator, per producer (under the partition lock). */
    private final Map<Long, Object> verificationGuards = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Object> eldest) {
            return size() > MAX_VERIFICATIONS; // such a produce fails with INVALID_TXN_STATE and is retried
        }
    };
    private static final int MAX_VERIFICATIONS = 10_000;
    private final Object stableLock = new Object();
    /** Open transactions by first offset, with where that batch starts (under stableLock). */
    private final TreeMap<Long, LogEnd> openTxns = new TreeMap<>();
    /** The log end at the last publication (under stableLock). */
    private LogEnd publishedEnd;
    private volatile LogEnd lastStable;
    /** The epoch stamped on appended batches (written under the partition lock). */
    private volatile int leaderEpoch = LEADER_EPOCH;
    /** A follower refuses appends from clients and markers (written under the partition lock). */
    private volatile boolean follower;
    private volatile boolean replicated;
    /** The high watermark when replicated, with its position (written under the partition lock). */
    private volatile LogEnd highWatermark = LogEnd.EMPTY;
    /** Loaded at first use (single brokers never need it); see {@link #epochs()}. */
    private volatile LeaderEpochCache epochs;

    PartitionLog(TopicPartition topicPartition, PartitionStorage storage, LogConfig config) throws IOException {
        this.topicPartition = topicPartition;
        this.storage = storage;
        this.config = config;
        storage.loadProducers(producers);
        reopenTxns();
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

    /** Whether the partition's log directory is offline (after an I/O error): it then answers KAFKA_STORAGE_ERROR. */
    public boolean isOffline() {
        LogDirHealth dir = storage.logDir();
        return dir != null && dir.isOffline();
    }

    /** Bytes of the partition's batches on disk (DescribeLogDirs). */
    public long sizeInBytes() {
        return storage.sizeInBytes();
    }

    public long logEndOffset() {
        return storage.logEndOffset();
    }

    /** The high watermark: the log end offset, or when {@link #setReplicated replicated} the tracked one. */
    public long highWatermark() {
        return replicated ? Math.min(highWatermark.offset(), storage.logEndOffset()) : storage.logEndOffset();
    }

    /** The offset below which every transaction is decided; read_committed consumers see no further. */
    public long lastStableOffset() {
        return Math.min(lastStable.offset(), highWatermark());
    }

    /** Called under stableLock after the log end, the high watermark, the open transactions or the log start changed. */
    private void publishStable(LogEnd end) {
        publishedEnd = end;
        LogEnd visible = replicated && highWatermark.offset() < end.offset() ? highWatermark : end;
        LogEnd stable = openTxns.isEmpty() || openTxns.firstKey() > visible.offset() ? visible : openTxns.firstEntry().getValue();
        long start = storage.logStartOffset();
        if (stable.offset() < start) { // DeleteRecords or retention passed an open transaction: Kafka's LSO never lags the log start
            try {
                stable = storage.locate(Math.min(start, visible.offset()));
            } catch (IOException e) {
                stable = new LogEnd(start, end.segmentBase(), 0);
            }
        }
        lastStable = stable;
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
        return append(records, nowMs, null);
    }

    /**
     * As {@link #append(MemoryRecords, long)}, for batches of a transactional producer verified with the
     * coordinator under {@code guard} (from {@link #transactionGuard}).
     * @throws InvalidTxnStateException for a transactional batch whose transaction is neither open here nor
     *         verified under this guard (a marker came in between), and for a non-transactional batch of a
     *         producer whose transaction is open here
     */
    public AppendResult append(MemoryRecords records, long nowMs, Object guard) {
        LogConfig cfg = config;
        MemoryRecords valid = BatchValidator.validate(records, cfg, nowMs);
        boolean logAppendTime = cfg.timestampType == TimestampType.LOG_APPEND_TIME;
        synchronized (this) {
            checkLeader();
            MutableRecordBatch first = valid.batches().iterator().next();
            if (first.hasProducerId()) {
                ProducerStateTable.BatchMetadata earlier = producers.check(first);
                if (earlier != null) {
                    return new AppendResult(earlier.baseOffset(), earlier.baseOffset() + first.lastOffset() - first.baseOffset(),
                            logAppendTime ? earlier.timestamp() : RecordBatch.NO_TIMESTAMP, storage.logStartOffset());
                }
                checkTransactionState(first, guard);
            }
            long base = storage.logEndOffset();
            long next = base;
            int epoch = leaderEpoch;
            noteEpoch(epoch, base);
            for (MutableRecordBatch b : valid.batches()) {
                b.setLastOffset(next + b.lastOffset() - b.baseOffset());
                b.setPartitionLeaderEpoch(epoch);
                if (logAppendTime) {
                    b.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, nowMs);
                }
                next = b.nextOffset();
            }
            ProducerStateTable.ProducerEntry producer = null;
            if (first.hasProducerId()) {
                producer = producers.nextEntry(first.producerId(), first.producerEpoch(),
                        new ProducerStateTable.BatchMetadata(first.baseSequence(), first.lastSequence(), base,
                                logAppendTime ? nowMs : first.maxTimestamp()), first.isTransactional());
            }
            boolean opensTxn = producer != null && producer.currentTxnFirstOffset() == base;
            storage.append(valid, first.producerId(), producer == null ? null : ProducerStateTable.encode(producer), cfg);
            appendedBytes += valid.sizeInBytes();
            if (producer != null) {
                producers.put(first.producerId(), producer);
            }
            LogEnd end = storage.logEnd();
            synchronized (stableLock) {
                if (opensTxn) {
                    verificationGuards.remove(first.producerId());
                    openTxns.put(base, new LogEnd(base, end.segmentBase(), end.position() - valid.sizeInBytes()));
                }
                publishStable(end);
            }
            return new AppendResult(base, next - 1, logAppendTime ? nowMs : RecordBatch.NO_TIMESTAMP, storage.logStartOffset());
        }
    }

    private void checkTransactionState(RecordBatch batch, Object guard) {
        ProducerStateTable.ProducerEntry entry = producers.get(batch.producerId());
        boolean open = entry != null && entry.currentTxnFirstOffset() >= 0;
        if (batch.isTransactional()) {
            boolean sameTxn = open && entry.epoch() == batch.producerEpoch();
            if (!sameTxn && (guard == null || verificationGuards.get(batch.producerId()) != guard)) {
                throw new InvalidTxnStateException("The transaction of producer " + batch.producerId() + " epoch " + batch.producerEpoch()
                        + " was not verified to include " + topicPartition + ", or it ended meanwhile");
            }
        } else if (open) {
            throw new InvalidTxnStateException("Expected a transactional write from producer " + batch.producerId()
                    + ", whose transaction is open in " + topicPartition);
        }
    }

    /**
     * Starts the verification of a transactional batch (KIP-890): null when the producer's transaction
     * at this epoch is already open here (no need to ask the coordinator), else a guard to pass to
     * {@link #append(MemoryRecords, long, Object)} once the coordinator confirmed the partition is in the
     * transaction. A marker written meanwhile voids the guard, so a late batch never joins a transaction
     * that has ended.
     */
    public synchronized Object transactionGuard(long producerId, short epoch) {
        ProducerStateTable.ProducerEntry entry = producers.get(producerId);
        if (entry != null && entry.currentTxnFirstOffset() >= 0 && entry.epoch() == epoch) {
            return null;
        }
        Object guard = new Object();
        verificationGuards.put(producerId, guard);
        return guard;
    }

    /**
     * Appends a COMMIT or ABORT marker of a producer's transaction (Kafka's WriteTxnMarkers), closing its
     * transaction here if one is open. The future completes when the outcome is visible to read_committed
     * fetches: at once for a commit; for an abort once its row in the aborted-transaction index is
     * committed (the last stable offset moves only then).
     * @throws InvalidProducerEpochException for an epoch older than the producer's
     * @throws org.apache.kafka.common.errors.TransactionCoordinatorFencedException for an older coordinator epoch
     */
    public CompletableFuture<Void> writeTxnMarker(long producerId, short epoch, int coordinatorEpoch, boolean commit, long nowMs) {
        synchronized (this) {
            checkLeader();
            long offset = storage.logEndOffset();
            ProducerStateTable.ProducerEntry before = producers.get(producerId);
            long first = before == null ? -1 : before.currentTxnFirstOffset();
            ProducerStateTable.ProducerEntry after = producers.afterMarker(producerId, epoch, coordinatorEpoch, offset, nowMs, true);
            boolean aborts = !commit && first >= 0;
            // The aborted row is queued before the producer row that says the transaction is closed (LMDB commits
            // in order), so recovery finds either the transaction still open, and adds the row when it replays
            // this marker, or the row. If the marker then fails to append, the row points past the log end and
            // is dropped at the next start; until then the transaction stays open and hides its records.
            CompletableFuture<Void> indexed = aborts
                    ? storage.addAbortedTxn(new AbortedTxn(producerId, first, offset, stableAfterAbort(first, offset + 1)))
                    : CompletableFuture.completedFuture(null);
            noteEpoch(leaderEpoch, offset);
            MemoryRecords marker = MemoryRecords.withEndTransactionMarker(offset, nowMs, leaderEpoch, producerId, epoch,
                    new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch));
            storage.append(marker, producerId, ProducerStateTable.encode(after), config);
            appendedBytes += marker.sizeInBytes();
            producers.put(producerId, after);
            LogEnd end = storage.logEnd();
            synchronized (stableLock) {
                verificationGuards.remove(producerId);
                if (first >= 0 && commit) {
                    openTxns.remove(first);
                }
                publishStable(end);
            }
            if (!aborts) {
                return indexed;
            }
            return indexed.thenRun(() -> { // the row is visible: the aborted records may come out of hiding
                synchronized (stableLock) {
                    openTxns.remove(first);
                    publishStable(publishedEnd);
                }
            });
        }
    }

    /** The last stable offset once the transaction starting at {@code first} is aborted by a marker ending at {@code end}. */
    private long stableAfterAbort(long first, long end) {
        synchronized (stableLock) {
            for (long open : openTxns.keySet()) {
                if (open != first) {
                    return open;
                }
            }
            return end;
        }
    }

    /** Per producer: its state here (DescribeProducers). */
    public synchronized Map<Long, ProducerStateTable.ProducerEntry> producers() {
        Map<Long, ProducerStateTable.ProducerEntry> copy = new java.util.HashMap<>();
        producers.forEach(copy::put);
        return copy;
    }

    /**
     * Batches from the one that holds {@code offset}; the client skips records before it.
     * @throws OffsetOutOfRangeException outside [logStartOffset, logEndOffset]
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneMessage) throws IOException {
        return read(offset, maxBytes, minOneMessage, false);
    }

    /**
     * As above; read_committed ({@code readCommitted}) stops at the last stable offset and lists the
     * aborted transactions the batches may hold, from the aborted-transaction index.
     */
    public ReadResult read(long offset, int maxBytes, boolean minOneMessage, boolean readCommitted) throws IOException {
        return read(offset, maxBytes, minOneMessage, readCommitted, false);
    }

    /**
     * A follower's read (its Fetch with a replica id): batches up to the log end, past the high watermark;
     * the result reports the high watermark and the last stable offset as a consumer read does.
     */
    public ReadResult readForReplica(long offset, int maxBytes, boolean minOneMessage) throws IOException {
        return read(offset, maxBytes, minOneMessage, false, true);
    }

    /** {@link #readForReplica(long, int, boolean)} that returns at least one batch when there is one. */
    public ReadResult readForReplica(long offset, int maxBytes) throws IOException {
        return readForReplica(offset, maxBytes, true);
    }

    private ReadResult read(long offset, int maxBytes, boolean minOneMessage, boolean readCommitted, boolean toLogEnd) throws IOException {
        LogEnd end = storage.logEnd();
        LogEnd hw = replicated ? highWatermark : end; // read after end: it may be newer, so it is capped
        if (hw.offset() > end.offset()) {
            hw = end;
        }
        LogEnd stable = lastStable; // published after the data it covers: read last, it may be newer than end
        if (stable.offset() > hw.offset()) {
            stable = hw;
        }
        long start = storage.logStartOffset();
        if (offset < start || offset > end.offset()) {
            throw new OffsetOutOfRangeException("Offset " + offset + " is out of range for " + topicPartition
                    + ": [" + start + ", " + end.offset() + "]");
        }
        LogEnd bound = toLogEnd ? end : readCommitted ? stable : hw;
        Records records = offset >= bound.offset() ? MemoryRecords.EMPTY : storage.read(offset, maxBytes, minOneMessage, bound);
        List<AbortedTxn> aborted = null;
        if (readCommitted) {
            aborted = records.sizeInBytes() == 0 ? List.of() : storage.abortedTxns(offset, bound.offset());
        }
        return new ReadResult(records, hw.offset(), start, stable.offset(), aborted);
    }

    /**
     * DeleteRecords: makes {@code offset} (-1: the high watermark) the new log start offset.
     * @return the new log start offset (the low watermark)
     * @throws OffsetOutOfRangeException beyond the high watermark
     */
    public synchronized long deleteRecordsBefore(long offset) throws IOException {
        long end = highWatermark();
        long target = offset == -1 ? end : offset;
        if (target < 0 || target > end) {
            throw new OffsetOutOfRangeException("Cannot delete records of " + topicPartition + " before offset " + offset
                    + ": the high watermark is " + end);
        }
        storage.advanceLogStart(target, config.fileDeleteDelayMs);
        republishStable();
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
        long point = Math.min(storage.retentionPoint(cfg.retentionMs, cfg.retentionBytes, nowMs), highWatermark()); // as Kafka: never past the HW
        synchronized (this) {
            long before = storage.logStartOffset();
            if (point > before) {
                storage.advanceLogStart(point, cfg.fileDeleteDelayMs);
                republishStable();
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

    private void republishStable() {
        synchronized (stableLock) {
            publishStable(publishedEnd);
        }
    }

    /** Forgets idempotent producers idle for {@code producer.id.expiration.ms} (KIP-854). */
    synchronized int expireProducers(long nowMs, long expirationMs) {
        List<Long> expired = producers.expire(nowMs, expirationMs);
        expired.forEach(storage::deleteProducer);
        return expired.size();
    }

    /**
     * Per producer that the table remembers: the last offset of its last data batch (-1 when its last
     * write was a marker) and its epoch. The cleaner keeps those batches, so a restart that re-reads the
     * log still knows each producer's sequence and epoch.
     */
    synchronized Map<Long, long[]> lastRecordsOfProducers() {
        Map<Long, long[]> last = new java.util.HashMap<>();
        producers.forEach((pid, entry) -> {
            ProducerStateTable.BatchMetadata b = entry.batches.peekLast();
            long lastOffset = -1;
            if (b != null) {
                long count = b.lastSeq() >= b.firstSeq() ? b.lastSeq() - b.firstSeq() : (long) b.lastSeq() + Integer.MAX_VALUE + 1 - b.firstSeq();
                lastOffset = b.baseOffset() + count;
            }
            last.put(pid, new long[] {lastOffset, entry.epoch()});
        });
        return last;
    }

    /** The cleaner's swap of segments, under the partition lock so appends, retention and DeleteRecords see one segment map. */
    synchronized boolean replaceCleaned(FileStorage files, List<Map.Entry<Long, org.apache.kafka.common.record.internal.FileRecords>> olds,
                                        long end, org.apache.kafka.common.record.internal.FileRecords cleaned, List<long[]> entries)
            throws IOException {
        return files.replaceSegments(olds, end, cleaned, entries, config.fileDeleteDelayMs);
    }

    // ---------------------------------------------------------------- replication

    /** The epoch stamped on appended batches: 0 on a single broker, else the last {@link #becomeLeader} / {@link #becomeFollower}. */
    public int leaderEpoch() {
        return leaderEpoch;
    }

    /**
     * This broker leads the partition at {@code epoch}: appends (and markers) are accepted again and
     * stamped with it, and the leader epoch cache records that it starts at the log end, if it is newer
     * than the cache's latest epoch.
     */
    public synchronized void becomeLeader(int epoch) {
        leaderEpoch = epoch;
        follower = false;
        LeaderEpochCache cache = epochs();
        if (epoch > cache.latestEpoch()) {
            cache.assign(epoch, storage.logEndOffset());
        }
    }

    /**
     * This broker follows the partition at {@code epoch} (recorded for epoch checks): appends from clients
     * and transaction markers throw {@link NotLeaderOrFollowerException} until {@link #becomeLeader};
     * batches come in through {@link #appendAsFollower}.
     */
    public synchronized void becomeFollower(int epoch) {
        leaderEpoch = epoch;
        follower = true;
        epochs(); // loaded (or rebuilt) now rather than on the fetch path
    }

    /** Whether {@link #becomeFollower} was the last of the two called. */
    public boolean isFollower() {
        return follower;
    }

    private void checkLeader() {
        if (follower) {
            throw new NotLeaderOrFollowerException("This broker is a follower of " + topicPartition + " at leader epoch " + leaderEpoch);
        }
    }

    /** Before batches of {@code epoch} are appended at {@code base}: a newer epoch starts there in the cache (if it is loaded). */
    private void noteEpoch(int epoch, long base) {
        LeaderEpochCache cache = epochs;
        if (cache != null && epoch > cache.latestEpoch()) {
            cache.assign(epoch, base);
        }
    }

    /** The leader epoch cache, loaded (or rebuilt from the batches' epochs when it has no file) at first use. */
    LeaderEpochCache epochs() {
        LeaderEpochCache cache = epochs;
        if (cache != null) {
            return cache;
        }
        synchronized (this) {
            if (epochs == null) {
                epochs = FollowerLog.loadEpochs(this, storage);
            }
            return epochs;
        }
    }

    /** The latest leader epoch the log holds (its cache's), -1 when none. */
    public int latestEpoch() {
        return epochs().latestEpoch();
    }

    /**
     * OffsetForLeaderEpoch: the largest epoch at or below {@code epoch} and where it ends (the start of the
     * next epoch, or the log end for the latest one), as Kafka's leader epoch cache answers; (-1, -1) when
     * {@code epoch} is undefined, newer than the latest, or nothing is known.
     */
    public LeaderEpochCache.EpochEnd endOffsetForEpoch(int epoch) {
        return epochs().endOffsetFor(epoch, storage.logEndOffset());
    }

    /**
     * Whether the high watermark is tracked (replication) rather than being the log end (a single broker,
     * the default). Turning it on starts from the checkpointed high watermark (capped by the log end), or
     * the log start when none was checkpointed, as Kafka does.
     */
    public synchronized void setReplicated(boolean on) {
        if (on == replicated) {
            return;
        }
        if (on) {
            long checkpointed = storage.checkpointedHighWatermark();
            long start = storage.logStartOffset();
            highWatermark = locate(checkpointed < 0 ? start : Math.max(start, Math.min(checkpointed, storage.logEndOffset())));
        }
        replicated = on;
        republishStable();
    }

    public boolean isReplicated() {
        return replicated;
    }

    /**
     * Moves the high watermark of a replicated partition: a leader only forward and never past its log
     * end; a follower takes the leader's, capped by its own log end (it may go back). The last stable
     * offset follows. Call it through {@link LogStore#updateHighWatermark}, which wakes waiting fetches.
     * @return whether it changed (false when not replicated)
     */
    public synchronized boolean updateHighWatermark(long hw) {
        if (!replicated) {
            return false;
        }
        long target = Math.max(storage.logStartOffset(), Math.min(hw, storage.logEndOffset()));
        long current = highWatermark.offset();
        if (follower ? target == current : target <= current) {
            return false;
        }
        setHighWatermark(locate(target));
        return true;
    }

    /** Under the partition lock: the new high watermark and the last stable offset it bounds. */
    void setHighWatermark(LogEnd hw) {
        highWatermark = hw;
        republishStable();
    }

    /** Where {@code offset} is in the log (the log end itself when it is the end). */
    LogEnd locate(long offset) {
        LogEnd end = storage.logEnd();
        if (offset == end.offset()) {
            return end;
        }
        try {
            return storage.locate(offset);
        } catch (IOException e) {
            throw new org.apache.kafka.common.errors.KafkaStorageException("Locating offset " + offset + " of " + topicPartition, e);
        }
    }

    /** The flusher's periodic checkpoint (and a clean close's): persists the high watermark of a replicated partition. */
    void checkpointHighWatermark() {
        if (!replicated) {
            return; // single brokers take no lock for it
        }
        synchronized (this) { // ordered with a truncation's lower value
            if (replicated) {
                storage.checkpointHighWatermark(highWatermark.offset());
            }
        }
    }

    /**
     * Appends batches fetched from the leader, keeping their offsets, leader epochs and timestamps. Each is
     * checked (CRC, format); batches wholly below the log end are skipped; the next must start exactly at
     * the log end. Producer state, open transactions and aborted-transaction rows follow as for leader
     * appends and markers (no duplicate or sequence checks: the leader made them); a batch of a newer
     * leader epoch starts that epoch in the cache. Call it through {@link LogStore#appendAsFollower}.
     * @return the offsets appended (lastOffset < baseOffset when everything was already here)
     * @throws org.apache.kafka.common.errors.CorruptRecordException for a corrupt or pre-v2 batch (nothing of it is written)
     * @throws IllegalArgumentException when a batch does not continue the log (a gap or an overlap)
     */
    public AppendResult appendAsFollower(MemoryRecords records) {
        synchronized (this) {
            return new FollowerLog(this, storage).append(records, config);
        }
    }

    /**
     * A follower's truncation: drops everything at and after {@code offset} (from the batch holding it):
     * segments, index rows, aborted-transaction rows, leader epochs starting there; the producer state and
     * open transactions become what they were when the log ended there; the high watermark and recovery
     * point go no further than the new end. Below the log start it empties the log
     * ({@link #truncateFullyAndStartAt}); at or past the log end it does nothing. Readers racing it never
     * see bytes past the new end that the high watermark covers. Call it through {@link LogStore#truncateTo}.
     */
    public synchronized void truncateTo(long offset) throws IOException {
        if (offset >= storage.logEndOffset()) {
            return;
        }
        if (offset < storage.logStartOffset()) {
            truncateFullyAndStartAt(offset);
            return;
        }
        new FollowerLog(this, storage).truncateTo(offset, config.fileDeleteDelayMs);
    }

    /**
     * Deletes everything (batches, producer state, leader epochs) and restarts the log empty at
     * {@code offset}, which becomes its start, end and high watermark (a follower whose fetch offset is
     * below the leader's log start). Call it through {@link LogStore#truncateFullyAndStartAt}.
     */
    public synchronized void truncateFullyAndStartAt(long offset) throws IOException {
        storage.truncateFullyAndStartAt(offset, config.fileDeleteDelayMs);
        producers.clear();
        verificationGuards.clear();
        epochs().clear();
        if (replicated) {
            highWatermark = storage.logEnd();
            storage.checkpointHighWatermark(offset);
        }
        synchronized (stableLock) {
            openTxns.clear();
            publishStable(storage.logEnd());
        }
    }

    // ---- for FollowerLog, under the partition lock

    ProducerStateTable producerTable() {
        return producers;
    }

    LogEnd highWatermarkEnd() {
        return highWatermark;
    }

    void addAppendedBytes(int bytes) {
        appendedBytes += bytes;
    }

    /** A transaction opened by a follower append at {@code first}, whose batch starts at {@code at}. */
    void openTxn(long first, LogEnd at, LogEnd end) {
        synchronized (stableLock) {
            openTxns.put(first, at);
            publishStable(end);
        }
    }

    /** A marker closed the transaction that started at {@code first} (-1: none); {@code end} is the new log end. */
    void closeTxn(long first, LogEnd end) {
        synchronized (stableLock) {
            openTxns.remove(first);
            publishStable(end);
        }
    }

    /**
     * The row of the transaction aborted at {@code first} is committed: it stops bounding the last stable
     * offset, which is published up to the end published last (not the storage's: an append may be midway).
     */
    void abortVisible(long first) {
        synchronized (stableLock) {
            openTxns.remove(first);
            publishStable(publishedEnd);
        }
    }

    void published(LogEnd end) {
        synchronized (stableLock) {
            publishStable(end);
        }
    }

    /** The open transactions are those of the producer table (at open, after a truncation). */
    void reopenTxns() throws IOException {
        List<Long> open = new ArrayList<>();
        producers.forEach((pid, entry) -> {
            if (entry.currentTxnFirstOffset() >= 0) {
                open.add(entry.currentTxnFirstOffset());
            }
        });
        TreeMap<Long, LogEnd> located = new TreeMap<>();
        for (long first : open) {
            located.put(first, storage.locate(first));
        }
        synchronized (stableLock) {
            openTxns.clear();
            openTxns.putAll(located);
            publishStable(storage.logEnd());
        }
    }

    /** The last stable offset once the transaction starting at {@code first} is aborted by a marker at {@code markerOffset}. */
    long stableAfterAbortAt(long first, long markerOffset) {
        return stableAfterAbort(first, markerOffset + 1);
    }

    /** Number of idempotent producers this partition remembers. */
    synchronized int producerCount() {
        return producers.size();
    }

    /** A clean shutdown: everything is flushed, so the next start re-reads nothing. */
    synchronized void close() throws IOException {
        checkpointHighWatermark();
        storage.close();
    }

    synchronized void delete() throws IOException {
        storage.delete(config.fileDeleteDelayMs);
    }
}
