package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Idempotent-producer state of one partition: per producer id its epoch and its last five
 * batches, so a retried batch is recognised and answered with its original offset, and a gap
 * in sequence numbers is refused. Not thread-safe: the owning partition holds its lock.
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

        ProducerEntry(short epoch) {
            this.epoch = epoch;
        }

        int lastSeq() {
            return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSeq();
        }

        long lastTimestamp() {
            return batches.isEmpty() ? RecordBatch.NO_TIMESTAMP : batches.peekLast().timestamp();
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
    public ProducerEntry nextEntry(long producerId, short epoch, BatchMetadata written) {
        ProducerEntry current = producers.get(producerId);
        ProducerEntry next = new ProducerEntry(epoch);
        if (current != null && current.epoch == epoch) {
            next.batches.addAll(current.batches);
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
    public ProducerEntry update(long producerId, short epoch, BatchMetadata written) {
        ProducerEntry entry = nextEntry(producerId, epoch, written);
        producers.put(producerId, entry);
        return entry;
    }

    /**
     * Forgets batches at or after offset (recovery re-reads them from the log if they survived).
     * @return the producers whose state changed (removed when nothing was left)
     */
    List<Long> forgetBatchesFrom(long offset) {
        List<Long> changed = new ArrayList<>();
        producers.forEach((pid, e) -> {
            if (e.batches.removeIf(m -> m.baseOffset() >= offset)) {
                changed.add(pid);
            }
        });
        producers.values().removeIf(e -> e.batches.isEmpty());
        return changed;
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
            boolean old = nowMs - e.getValue().lastTimestamp() >= expirationMs;
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

    // ---- persistence: [2 epoch][1 count]{[4 firstSeq][4 lastSeq][8 baseOffset][8 timestamp]} ----

    public static byte[] encode(ProducerEntry entry) {
        ByteBuffer buf = ByteBuffer.allocate(3 + entry.batches.size() * 24);
        buf.putShort(entry.epoch).put((byte) entry.batches.size());
        for (BatchMetadata m : entry.batches) {
            buf.putInt(m.firstSeq()).putInt(m.lastSeq()).putLong(m.baseOffset()).putLong(m.timestamp());
        }
        return buf.array();
    }

    public void load(long producerId, ByteBuffer value) {
        ProducerEntry entry = new ProducerEntry(value.getShort());
        int count = value.get();
        for (int i = 0; i < count; i++) {
            entry.batches.addLast(new BatchMetadata(value.getInt(), value.getInt(), value.getLong(), value.getLong()));
        }
        producers.put(producerId, entry);
    }

    public void forEach(java.util.function.BiConsumer<Long, ProducerEntry> action) {
        producers.forEach(action);
    }
}
