package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Producer state of one partition: per producer id its epoch and its last five batches, so a retried
 * batch is recognised and answered with its original offset and a gap in sequence numbers is refused;
 * and, for transactional producers, where the producer's open transaction starts in this partition and
 * what its last marker closed. Not thread-safe: the owning partition holds its lock.
 */
public final class ProducerStateTable {
    /** Kafka keeps five: a producer has at most five requests in flight per partition. */
    static final int CACHED_BATCHES = 5;

    /** One batch a producer wrote: enough to answer its retry. */
    public record BatchMetadata(int firstSeq, int lastSeq, long baseOffset, long timestamp) { }

    /** What the table knows about one producer. */
    public static final class ProducerEntry {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);
        /** When the producer last wrote (a batch or a marker): producer.id.expiration.ms counts from here. */
        long lastTimestamp = RecordBatch.NO_TIMESTAMP;
        /** The first offset of its open transaction in this partition, or -1. */
        long currentTxnFirstOffset = -1;
        /** The coordinator epoch of its last marker (-1: none yet). */
        int coordinatorEpoch = -1;
        /** The transaction its last marker closed (first offset) and that marker's offset, -1 when none: recovery reopens it if the marker was lost. */
        long lastTxnFirstOffset = -1;
        long lastMarkerOffset = -1;

        ProducerEntry(short epoch) {
            this.epoch = epoch;
        }

        int lastSeq() {
            return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSeq();
        }

        public short epoch() {
            return epoch;
        }

        public long lastTimestamp() {
            return lastTimestamp;
        }

        public long currentTxnFirstOffset() {
            return currentTxnFirstOffset;
        }

        public int coordinatorEpoch() {
            return coordinatorEpoch;
        }

        public int lastSequence() {
            return lastSeq();
        }

        private ProducerEntry copy(short newEpoch) {
            ProducerEntry next = new ProducerEntry(newEpoch);
            if (newEpoch == epoch) {
                next.batches.addAll(batches);
            }
            next.lastTimestamp = lastTimestamp;
            next.currentTxnFirstOffset = currentTxnFirstOffset;
            next.coordinatorEpoch = coordinatorEpoch;
            next.lastTxnFirstOffset = lastTxnFirstOffset;
            next.lastMarkerOffset = lastMarkerOffset;
            return next;
        }
    }

    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    /**
     * Checks a batch against the producer's state.
     *
     * @return the earlier write of this same batch, or null if the batch is new and in sequence
     * @throws InvalidProducerEpochException for an epoch older than the producer's current one
     * @throws OutOfOrderSequenceException   for a gap or a stale sequence number
     */
    public BatchMetadata check(RecordBatch batch) {
        ProducerEntry entry = producers.get(batch.producerId());
        if (entry == null) {
            return null; // unknown producer (new, or its state expired): accept any sequence, as Kafka does
        }
        short epoch = batch.producerEpoch();
        if (epoch < entry.epoch) {
            throw new InvalidProducerEpochException("Producer " + batch.producerId() + " epoch " + epoch
                    + " is older than the current epoch " + entry.epoch);
        }
        if (epoch > entry.epoch) {
            if (batch.baseSequence() != 0) {
                throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " started epoch " + epoch
                        + " at sequence " + batch.baseSequence() + ", expected 0");
            }
            return null;
        }
        for (BatchMetadata m : entry.batches) {
            if (m.firstSeq() == batch.baseSequence() && m.lastSeq() == batch.lastSequence()) {
                return m;
            }
        }
        int lastSeq = entry.lastSeq();
        if (lastSeq != RecordBatch.NO_SEQUENCE && !inSequence(lastSeq, batch.baseSequence())) {
            throw new OutOfOrderSequenceException("Out of order sequence number for producer " + batch.producerId()
                    + " at epoch " + epoch + ": " + batch.baseSequence() + " (incoming seq. number), " + lastSeq
                    + " (current end sequence number)");
        }
        return null;
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1 || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    /**
     * The producer's state once {@code written} is appended, without changing the table: the caller
     * {@link #put}s it only after the write succeeded, so a failed write leaves no trace a retry could
     * be mistaken for.
     */
    public ProducerEntry nextEntry(long producerId, short epoch, BatchMetadata written, boolean transactional) {
        ProducerEntry current = producers.get(producerId);
        ProducerEntry next = current == null ? new ProducerEntry(epoch) : current.copy(epoch);
        next.lastTimestamp = Math.max(next.lastTimestamp, written.timestamp());
        if (transactional && next.currentTxnFirstOffset < 0) {
            next.currentTxnFirstOffset = written.baseOffset();
        }
        for (BatchMetadata m : next.batches) {
            if (m.firstSeq() == written.firstSeq() && m.lastSeq() == written.lastSeq()) {
                return next;
            }
        }
        if (next.batches.size() == CACHED_BATCHES) {
            next.batches.removeFirst();
        }
        next.batches.addLast(written);
        return next;
    }

    public void put(long producerId, ProducerEntry entry) {
        producers.put(producerId, entry);
    }

    /** Records a batch that is in the log (recovery replays the log through it; replaying twice is harmless). */
    public ProducerEntry update(long producerId, short epoch, BatchMetadata written, boolean transactional) {
        ProducerEntry entry = nextEntry(producerId, epoch, written, transactional);
        producers.put(producerId, entry);
        return entry;
    }

    /**
     * The producer's state once a COMMIT or ABORT marker at {@code markerOffset} is appended, without
     * changing the table. A marker of a newer epoch (Transactions V2 bumps it at every end) starts that
     * epoch with no batches. Recovery replays markers already in the log without {@code check}.
     * @throws InvalidProducerEpochException for a marker of an epoch older than the producer's
     * @throws TransactionCoordinatorFencedException for a coordinator epoch older than the last marker's
     */
    public ProducerEntry afterMarker(long producerId, short epoch, int coordinatorEpoch, long markerOffset, long timestamp, boolean check) {
        ProducerEntry current = producers.get(producerId);
        if (current != null && !check && epoch < current.epoch) {
            epoch = current.epoch;
        }
        if (current != null && epoch < current.epoch) {
            throw new InvalidProducerEpochException("Transaction marker of producer " + producerId + " has epoch " + epoch
                    + ", older than the current epoch " + current.epoch);
        }
        if (check && current != null && coordinatorEpoch < current.coordinatorEpoch) {
            throw new TransactionCoordinatorFencedException("Transaction marker of producer " + producerId + " has coordinator epoch "
                    + coordinatorEpoch + ", older than " + current.coordinatorEpoch);
        }
        ProducerEntry next = current == null ? new ProducerEntry(epoch) : current.copy(epoch);
        next.lastTimestamp = Math.max(next.lastTimestamp, timestamp);
        next.coordinatorEpoch = coordinatorEpoch;
        next.lastTxnFirstOffset = next.currentTxnFirstOffset;
        next.lastMarkerOffset = markerOffset;
        next.currentTxnFirstOffset = -1;
        return next;
    }

    /**
     * Forgets batches at or after offset (recovery re-reads them from the log if they survived).
     * @return the producers whose state changed (removed when nothing was left)
     */
    List<Long> forgetBatchesFrom(long offset) {
        List<Long> changed = new ArrayList<>();
        producers.forEach((pid, e) -> {
            boolean change = e.batches.removeIf(m -> m.baseOffset() >= offset);
            if (e.lastMarkerOffset >= offset) { // the marker may be lost: its transaction is open again unless replay finds it
                e.currentTxnFirstOffset = e.lastTxnFirstOffset < offset ? e.lastTxnFirstOffset : -1;
                e.lastTxnFirstOffset = -1;
                e.lastMarkerOffset = -1;
                change = true;
            }
            if (e.currentTxnFirstOffset >= offset) {
                e.currentTxnFirstOffset = -1;
                change = true;
            }
            if (change) {
                changed.add(pid);
            }
        });
        producers.values().removeIf(e -> e.batches.isEmpty() && e.currentTxnFirstOffset < 0);
        return changed;
    }

    /**
     * The entry as it was when the log ended at {@code end}, when the entry alone tells it: its cached
     * batches reach below {@code end} (an epoch change past it would have emptied the cache) and its last
     * marker is below {@code end}. The batches from {@code end} on go, and a transaction opened there.
     * Null when the log must be read instead.
     */
    static ProducerEntry before(ProducerEntry entry, long end) {
        if (entry.lastMarkerOffset >= end || entry.batches.isEmpty() || entry.batches.peekFirst().baseOffset() >= end) {
            return null;
        }
        ProducerEntry earlier = entry.copy(entry.epoch);
        earlier.batches.removeIf(m -> m.baseOffset() >= end);
        if (earlier.currentTxnFirstOffset >= end) {
            earlier.currentTxnFirstOffset = -1;
        }
        return earlier;
    }

    void remove(long producerId) {
        producers.remove(producerId);
    }

    ProducerEntry get(long producerId) {
        return producers.get(producerId);
    }

    /**
     * Removes producers whose last write is older than {@code producer.id.expiration.ms} (KIP-854), as
     * Kafka does: their next batch is then accepted at any sequence.
     * @return the ids removed
     */
    public List<Long> expire(long nowMs, long expirationMs) {
        List<Long> expired = new ArrayList<>();
        producers.entrySet().removeIf(e -> {
            boolean old = e.getValue().currentTxnFirstOffset < 0 && nowMs - e.getValue().lastTimestamp >= expirationMs;
            if (old) {
                expired.add(e.getKey());
            }
            return old;
        });
        return expired;
    }

    public void clear() {
        producers.clear();
    }

    public int size() {
        return producers.size();
    }

    // ---- persistence: [2 epoch][1 count]{[4 firstSeq][4 lastSeq][8 baseOffset][8 timestamp]}
    //      [8 lastTimestamp][8 currentTxnFirstOffset][4 coordinatorEpoch][8 lastTxnFirstOffset][8 lastMarkerOffset]
    //      (the second line is absent in rows written before transactions existed) ----

    public static byte[] encode(ProducerEntry entry) {
        ByteBuffer buf = ByteBuffer.allocate(3 + entry.batches.size() * 24 + 36);
        buf.putShort(entry.epoch).put((byte) entry.batches.size());
        for (BatchMetadata m : entry.batches) {
            buf.putInt(m.firstSeq()).putInt(m.lastSeq()).putLong(m.baseOffset()).putLong(m.timestamp());
        }
        buf.putLong(entry.lastTimestamp).putLong(entry.currentTxnFirstOffset).putInt(entry.coordinatorEpoch)
                .putLong(entry.lastTxnFirstOffset).putLong(entry.lastMarkerOffset);
        return buf.array();
    }

    public void load(long producerId, ByteBuffer value) {
        ProducerEntry entry = new ProducerEntry(value.getShort());
        int count = value.get();
        for (int i = 0; i < count; i++) {
            entry.batches.addLast(new BatchMetadata(value.getInt(), value.getInt(), value.getLong(), value.getLong()));
        }
        if (value.remaining() >= 36) {
            entry.lastTimestamp = value.getLong();
            entry.currentTxnFirstOffset = value.getLong();
            entry.coordinatorEpoch = value.getInt();
            entry.lastTxnFirstOffset = value.getLong();
            entry.lastMarkerOffset = value.getLong();
        } else if (!entry.batches.isEmpty()) {
            entry.lastTimestamp = entry.batches.peekLast().timestamp();
        }
        producers.put(producerId, entry);
    }

    public void forEach(java.util.function.BiConsumer<Long, ProducerEntry> action) {
        producers.forEach(action);
    }
}
