package io.kafkalite.groups;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * What the transaction coordinator knows of one transactional id (Kafka's TransactionMetadata), and its
 * stored record. Mutable; touched on the transaction coordinator's thread only.
 *
 * <pre>
 * key   [2 n][transactional id UTF-8], hashed when too long (see {@link StoreKeys})
 * value [1 version=0][2 n][transactional id][8 producer id][8 previous producer id][8 next producer id]
 *       [2 epoch][2 last epoch][4 timeout ms][1 state ordinal][1 client transaction version]
 *       [8 start timestamp][8 last update timestamp][4 n]([2 m][topic][4 partition])*
 * </pre>
 */
final class TransactionMetadata {
    final String transactionalId;
    long producerId;
    /** The producer id before the last rotation (epoch exhausted), for retries across it. */
    long previousProducerId = RecordBatch.NO_PRODUCER_ID;
    /** Transactions V2: the producer id to take once the markers of an epoch-exhausting end are written. */
    long nextProducerId = RecordBatch.NO_PRODUCER_ID;
    short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    short lastProducerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    int timeoutMs;
    TransactionState state = TransactionState.EMPTY;
    /** 2 when the producer uses Transactions V2 (KIP-890: epoch bump at every end), else 0 or 1. */
    byte clientTransactionVersion;
    long startTimestamp = -1;
    long lastUpdateTimestamp;
    final Set<TopicPartition> partitions = new HashSet<>();
    /** Whether the marker writing of an ended transaction is still running (its state is Prepare* meanwhile). */
    boolean completing;

    TransactionMetadata(String transactionalId, long producerId, int timeoutMs, long now) {
        this.transactionalId = transactionalId;
        this.producerId = producerId;
        this.timeoutMs = timeoutMs;
        this.lastUpdateTimestamp = now;
    }

    /** Kafka never hands out Short.MAX_VALUE, so a producer can always still be fenced. */
    static boolean isEpochExhausted(short epoch) {
        return epoch >= Short.MAX_VALUE - 1;
    }

    byte[] encode() {
        RecordWriter w = new RecordWriter();
        w.int8((byte) 0).string(transactionalId).int64(producerId).int64(previousProducerId).int64(nextProducerId)
                .int16(producerEpoch).int16(lastProducerEpoch).int32(timeoutMs).int8((byte) state.ordinal())
                .int8(clientTransactionVersion).int64(startTimestamp).int64(lastUpdateTimestamp).int32(partitions.size());
        partitions.stream().sorted(java.util.Comparator.comparing(TopicPartition::toString))
                .forEach(tp -> w.string(tp.topic()).int32(tp.partition()));
        return w.toArray();
    }

    static TransactionMetadata decode(ByteBuffer b) {
        byte version = b.get();
        if (version != 0) {
            throw new IllegalStateException("Unknown transaction record version " + version);
        }
        String id = RecordWriter.string(b);
        TransactionMetadata m = new TransactionMetadata(id, b.getLong(), 0, 0);
        m.previousProducerId = b.getLong();
        m.nextProducerId = b.getLong();
        m.producerEpoch = b.getShort();
        m.lastProducerEpoch = b.getShort();
        m.timeoutMs = b.getInt();
        m.state = TransactionState.values()[b.get()];
        m.clientTransactionVersion = b.get();
        m.startTimestamp = b.getLong();
        m.lastUpdateTimestamp = b.getLong();
        int n = b.getInt();
        for (int i = 0; i < n; i++) {
            m.partitions.add(new TopicPartition(RecordWriter.string(b), b.getInt()));
        }
        return m;
    }

    static byte[] key(String transactionalId) {
        return GroupMetadataStore.key(transactionalId);
    }
}
