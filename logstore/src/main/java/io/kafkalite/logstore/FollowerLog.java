package io.kafkalite.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;

/**
 * The follower side of a {@link PartitionLog}: appending batches that carry the leader's offsets, and
 * truncating the log. Used under the partition lock, one operation per instance.
 */
final class FollowerLog {
    /** Bytes read at a time when the log's batches are scanned (their headers only, mostly). */
    private static final int SCAN_CHUNK = 1 << 20;

    private final PartitionLog log;
    private final PartitionStorage storage;
    private final ProducerStateTable producers;

    FollowerLog(PartitionLog log, PartitionStorage storage) {
        this.log = log;
        this.storage = storage;
        this.producers = log.producerTable();
    }

    AppendResult append(MemoryRecords records, LogConfig config) {
        long end = storage.logEndOffset();
        long next = end;
        for (MutableRecordBatch b : records.batches()) { // checked whole first; a partial batch at the end (fetch size) is not iterated
            b.ensureValid();
            if (b.magic() < RecordBatch.MAGIC_VALUE_V2) {
                throw new CorruptRecordException("A follower of " + log.topicPartition() + " got a batch of magic " + b.magic());
            }
            if (next == end && b.lastOffset() < end) {
                continue; // already here (a refetch)
            }
            if (b.baseOffset() != next || b.lastOffset() < b.baseOffset()) {
                throw new IllegalArgumentException("Batch at offset " + b.baseOffset() + " does not continue " + log.topicPartition()
                        + " at offset " + next);
            }
            next = b.nextOffset();
        }
        ByteBuffer buffer = records.buffer();
        int position = buffer.position();
        for (MutableRecordBatch b : records.batches()) {
            int size = b.sizeInBytes();
            if (b.baseOffset() >= end && b.baseOffset() < next) {
                appendOne(b, MemoryRecords.readableRecords(buffer.duplicate().position(position).limit(position + size).slice()), config);
            }
            position += size;
        }
        return new AppendResult(end, next - 1, RecordBatch.NO_TIMESTAMP, storage.logStartOffset());
    }

    /** One batch, as the leader's append or marker would have changed the state. */
    private void appendOne(MutableRecordBatch b, MemoryRecords one, LogConfig config) {
        LeaderEpochCache epochs = log.epochs();
        if (b.partitionLeaderEpoch() > epochs.latestEpoch()) {
            epochs.assign(b.partitionLeaderEpoch(), b.baseOffset()); // before the data: a crash leaves no epoch unrecorded
        }
        long pid = b.producerId();
        ProducerStateTable.ProducerEntry entry = null;
        long txnFirst = -1;
        boolean commit = false;
        CompletableFuture<Void> abortIndexed = null;
        if (b.hasProducerId() && b.isControlBatch()) {
            Integer count = b.countOrNull();
            if (count == null || count > 0) { // an empty marker (the cleaner's) changes nothing
                EndTransactionMarker marker = EndTransactionMarker.deserialize(b.iterator().next());
                ProducerStateTable.ProducerEntry before = producers.get(pid);
                txnFirst = before == null ? -1 : before.currentTxnFirstOffset();
                commit = marker.controlType() == ControlRecordType.COMMIT;
                entry = producers.afterMarker(pid, b.producerEpoch(), marker.coordinatorEpoch(), b.baseOffset(), b.maxTimestamp(), false);
                if (!commit && txnFirst >= 0) { // the row before the producer row, as the leader orders them
                    abortIndexed = storage.addAbortedTxn(new AbortedTxn(pid, txnFirst, b.baseOffset(), log.stableAfterAbortAt(txnFirst, b.baseOffset())));
                }
            }
        } else if (b.hasProducerId()) {
            entry = producers.nextEntry(pid, b.producerEpoch(), new ProducerStateTable.BatchMetadata(b.baseSequence(), b.lastSequence(),
                    b.baseOffset(), b.maxTimestamp()), b.isTransactional());
        }
        boolean opensTxn = entry != null && !b.isControlBatch() && entry.currentTxnFirstOffset() == b.baseOffset();
        storage.append(one, pid, entry == null ? null : ProducerStateTable.encode(entry), config);
        log.addAppendedBytes(one.sizeInBytes());
        if (entry != null) {
            producers.put(pid, entry);
        }
        LogEnd end = storage.logEnd();
        if (opensTxn) {
            log.openTxn(b.baseOffset(), new LogEnd(b.baseOffset(), end.segmentBase(), end.position() - one.sizeInBytes()), end);
        } else if (txnFirst >= 0 && commit) {
            log.closeTxn(txnFirst, end);
        } else {
            log.published(end);
        }
        if (abortIndexed != null) {
            long closed = txnFirst;
            abortIndexed.thenRun(() -> log.abortVisible(closed)); // the aborted records may come out of hiding
        }
    }

    /**
     * Producer rows are rewritten (queued) before the storage commits its index changes and then changes
     * files, so LMDB never describes a later log than the files hold: recovery replays from the recovery
     * point on top of it, and a row from past the files' end could close a transaction the files leave open.
     */
    void truncateTo(long offset, long fileDeleteDelayMs) throws IOException {
        RecordBatch holding = batchHolding(storage, offset);
        long end = holding == null ? offset : Math.min(offset, holding.baseOffset()); // whole batches only
        lowerHighWatermark(end, log.locate(end)); // readers stop there before any byte goes
        Set<Long> touched = new HashSet<>();
        producers.forEach((pid, e) -> {
            ProducerStateTable.BatchMetadata last = e.batches.peekLast();
            if ((last != null && last.baseOffset() >= end) || e.lastMarkerOffset >= end || e.currentTxnFirstOffset() >= end) {
                touched.add(pid);
            }
        });
        rebuildProducers(touched, end);
        storage.truncateTo(end, fileDeleteDelayMs);
        log.epochs().truncateFromEnd(end);
        log.reopenTxns();
    }

    /** The high watermark, and its checkpoint even when not replicated now, go no further than {@code offset}. */
    private void lowerHighWatermark(long offset, LogEnd at) {
        if (log.isReplicated() && log.highWatermarkEnd().offset() > offset) {
            log.setHighWatermark(at);
        }
        if (storage.checkpointedHighWatermark() > offset) {
            storage.checkpointHighWatermark(offset); // in the row the truncation commits before files change
        }
    }

    /**
     * The producers whose last write was truncated get the state the log below {@code end} gives them.
     * Most need no read: when a producer's cached batches reach below {@code end} and none of its markers
     * is past it, its epoch and transaction were settled before {@code end} and only the later batches go
     * ({@link ProducerStateTable#before}). The others are replayed from the log start: its cost grows with
     * the log (batch headers only), as Kafka's would without a producer snapshot.
     */
    private void rebuildProducers(Set<Long> touched, long end) throws IOException {
        Set<Long> replay = new HashSet<>();
        for (long pid : touched) {
            ProducerStateTable.ProducerEntry earlier = ProducerStateTable.before(producers.get(pid), end);
            if (earlier == null) {
                replay.add(pid);
            } else {
                producers.put(pid, earlier);
                storage.saveProducer(pid, ProducerStateTable.encode(earlier));
            }
        }
        if (replay.isEmpty()) {
            return;
        }
        ProducerStateTable replayed = new ProducerStateTable();
        forEachBatch(storage, storage.logStartOffset(), end, b -> {
            if (!b.hasProducerId() || !replay.contains(b.producerId())) {
                return;
            }
            if (!b.isControlBatch()) {
                replayed.update(b.producerId(), b.producerEpoch(), new ProducerStateTable.BatchMetadata(b.baseSequence(), b.lastSequence(),
                        b.baseOffset(), b.maxTimestamp()), b.isTransactional());
            } else if (b.countOrNull() == null || b.countOrNull() > 0) {
                EndTransactionMarker marker = EndTransactionMarker.deserialize(b.iterator().next());
                replayed.put(b.producerId(), replayed.afterMarker(b.producerId(), b.producerEpoch(), marker.coordinatorEpoch(),
                        b.baseOffset(), b.maxTimestamp(), false));
            }
        });
        for (long pid : replay) {
            ProducerStateTable.ProducerEntry entry = replayed.get(pid);
            if (entry == null) {
                producers.remove(pid);
                storage.deleteProducer(pid);
            } else {
                producers.put(pid, entry);
                storage.saveProducer(pid, ProducerStateTable.encode(entry));
            }
        }
    }

    /** The cache kept with the partition, or one rebuilt from the epochs of its batches (data written before it existed). */
    static LeaderEpochCache loadEpochs(PartitionLog log, PartitionStorage storage) {
        LeaderEpochCache cache = storage.loadEpochCache();
        if (cache != null) {
            cache.truncateFromEnd(storage.logEndOffset()); // a crash between a truncation and the cache's rewrite
            return cache;
        }
        LeaderEpochCache rebuilt = storage.newEpochCache();
        try {
            RecordBatch first = batchHolding(storage, storage.logStartOffset());
            RecordBatch last = batchHolding(storage, storage.logEndOffset() - 1);
            if (first != null && last != null && first.partitionLeaderEpoch() == last.partitionLeaderEpoch()) {
                rebuilt.assign(first.partitionLeaderEpoch(), first.baseOffset()); // epochs never go back: one epoch (a single broker's log)
                return rebuilt;
            }
            forEachBatch(storage, storage.logStartOffset(), storage.logEndOffset(), b -> {
                if (b.partitionLeaderEpoch() > rebuilt.latestEpoch()) {
                    rebuilt.assign(b.partitionLeaderEpoch(), b.baseOffset());
                }
            });
        } catch (IOException e) {
            throw new org.apache.kafka.common.errors.KafkaStorageException("Rebuilding the leader epoch cache of " + log.topicPartition(), e);
        }
        return rebuilt;
    }

    /** The batch holding {@code offset} (or the first after it), null when there is none. */
    static RecordBatch batchHolding(PartitionStorage storage, long offset) throws IOException {
        if (offset < storage.logStartOffset() || offset >= storage.logEndOffset()) {
            return null;
        }
        java.util.Iterator<? extends RecordBatch> it = storage.read(offset, 1, true, storage.logEnd()).batches().iterator();
        return it.hasNext() ? it.next() : null;
    }

    /** Every batch holding offsets in [from, to), in order; reads whole batches up to the current log end. */
    static void forEachBatch(PartitionStorage storage, long from, long to, Consumer<RecordBatch> action) throws IOException {
        LogEnd bound = storage.logEnd();
        long next = from;
        while (next < to) {
            Records chunk = storage.read(next, SCAN_CHUNK, true, bound);
            long before = next;
            for (RecordBatch b : chunk.batches()) {
                if (b.baseOffset() >= to) {
                    return;
                }
                if (b.lastOffset() >= next) {
                    action.accept(b);
                    next = b.nextOffset();
                }
            }
            if (next == before) {
                return;
            }
        }
    }
}
