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

    PartitionLog(TopicPartition topicPartition, PartitionStorage storage, LogConfig config) throws IOException {
        this.topicPartition = topicPartition;
        this.storage = storage;
        this.config = config;
        storage.loadProducers(producers);
        List<Long> open = new ArrayList<>();
        producers.forEach((pid, entry) -> {
            if (entry.currentTxnFirstOffset() >= 0) {
                open.add(entry.currentTxnFirstOffset());
            }
        });
        for (long first : open) {
            openTxns.put(first, storage.locate(first));
        }
        synchronized (stableLock) {
            publishStable(storage.logEnd());
        }
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

    public long highWatermark() {
        long end = storage.logEndOffset();
        return replicated ? Math.min(replicatedHw, end) : end;
    }

    /** The offset below which every transaction is decided; read_committed consumers see no further. */
    public long lastStableOffset() {
        return Math.min(lastStable.offset(), storage.logEndOffset());
    }

    /** Called under stableLock after the log end, the open transactions or the log start changed. */
    private void publishStable(LogEnd end) {
        publishedEnd = end;
        LogEnd stable = openTxns.isEmpty() ? end : openTxns.firstEntry().getValue();
        long start = storage.logStartOffset();
        if (stable.offset() < start) { // DeleteRecords or retention passed an open transaction: Kafka's LSO never lags the log start
            try {
                stable = storage.locate(Math.min(start, end.offset()));
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
            MemoryRecords marker = MemoryRecords.withEndTransactionMarker(offset, nowMs, LEADER_EPOCH, producerId, epoch,
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
        LogEnd end = storage.logEnd();
        LogEnd stable = lastStable; // published after the data it covers: read second, it may be newer than end
        if (stable.offset() > end.offset()) {
            stable = end;
        }
        long start = storage.logStartOffset();
        if (offset < start || offset > end.offset()) {
            throw new OffsetOutOfRangeException("Offset " + offset + " is out of range for " + topicPartition
                    + ": [" + start + ", " + end.offset() + "]");
        }
        LogEnd bound = readCommitted ? stable : end;
        Records records = offset >= bound.offset() ? MemoryRecords.EMPTY : storage.read(offset, maxBytes, minOneMessage, bound);
        List<AbortedTxn> aborted = null;
        if (readCommitted) {
            aborted = records.sizeInBytes() == 0 ? List.of() : storage.abortedTxns(offset, bound.offset());
        }
        return new ReadResult(records, end.offset(), start, stable.offset(), aborted);
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
        long point = storage.retentionPoint(cfg.retentionMs, cfg.retentionBytes, nowMs);
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

    // ---- TEMPORARY placeholder of branch replog's replication API (branch leaders codes against it); replaced by replog's ----
    private volatile boolean replicated;
    private volatile long replicatedHw;
    private volatile int replicaEpoch = LEADER_EPOCH;
    private volatile boolean follower;

    /** The (end offset, epoch) answer of OffsetForLeaderEpoch; (-1, -1) when unknown. */
    public record EpochEndOffset(int leaderEpoch, long endOffset) { }

    public int leaderEpoch() {
        return replicaEpoch;
    }

    public synchronized void setReplicated(boolean r) {
        if (r && !replicated) {
            replicatedHw = storage.logEndOffset();
        }
        replicated = r;
    }

    public synchronized void becomeLeader(int epoch) {
        replicaEpoch = epoch;
        follower = false;
    }

    public synchronized void becomeFollower(int epoch) {
        replicaEpoch = epoch;
        follower = true;
    }

    public synchronized boolean updateHighWatermark(long hw) {
        long target = follower ? Math.min(hw, storage.logEndOffset()) : Math.min(hw, storage.logEndOffset());
        if (!follower && target <= replicatedHw) {
            return false;
        }
        boolean moved = target != replicatedHw;
        replicatedHw = target;
        return moved;
    }

    public ReadResult readForReplica(long offset, int maxBytes) throws IOException {
        ReadResult r = read(offset, maxBytes, true, false);
        return r;
    }

    public EpochEndOffset endOffsetForEpoch(int epoch) {
        return epoch == replicaEpoch ? new EpochEndOffset(epoch, storage.logEndOffset()) : new EpochEndOffset(-1, -1);
    }

    public int latestEpoch() {
        return replicaEpoch;
    }
    // ---- end of the TEMPORARY placeholder ----
}
