package io.kafkalite.groups;

import java.util.function.LongSupplier;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Kafka's rules for ending a transaction, on its {@link TransactionMetadata}: which EndTxn ends the open transaction,
 * which is a retry of the end that happened and which is refused (before Transactions V2 and with it, KIP-890), and
 * how an end moves the producer's epoch (V2: one bump per end, a new producer id once the epoch is exhausted; a
 * coordinator's abort of a V2 transaction: two bumps). Pure rules: the {@link TransactionCoordinator} stores and
 * writes markers.
 */
final class TransactionEndRules {
    private TransactionEndRules() { }

    /**
     * Whether EndTxn may end the open transaction: null when it does, NONE for a retry of the end that happened (answered
     * with the current producer id and epoch), else the error. {@code v2}: the request is EndTxn v5+; as in Kafka, the
     * request's version (not the stored state) decides which rules apply.
     */
    static Errors refuseEnd(TransactionMetadata m, long producerId, short epoch, boolean commit, boolean v2) {
        return v2 ? refuseEndV2(m, producerId, epoch, commit) : refuseEndV1(m, producerId, epoch, commit);
    }

    /**
     * Kafka's EndTxn rules before Transactions V2: the epoch must be the current one; a repeated end of a
     * completed transaction is answered NONE (null: end the open transaction).
     */
    private static Errors refuseEndV1(TransactionMetadata m, long producerId, short epoch, boolean commit) {
        if (m.producerId != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (epoch != m.producerEpoch) {
            return Errors.PRODUCER_FENCED;
        }
        if (m.completing) {
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        return switch (m.state) {
            case ONGOING -> null;
            case COMPLETE_COMMIT -> commit ? Errors.NONE : Errors.INVALID_TXN_STATE;
            case COMPLETE_ABORT -> commit ? Errors.INVALID_TXN_STATE : Errors.NONE;
            case PREPARE_COMMIT, PREPARE_ABORT -> Errors.CONCURRENT_TRANSACTIONS;
            case EMPTY -> Errors.INVALID_TXN_STATE;
        };
    }

    /**
     * Kafka's EndTxn rules of Transactions V2 (KIP-890). A retry carries the epoch before the bump of the end
     * it repeats (or the last epoch of the previous producer id, if that end rotated it) and gets NONE. The
     * current epoch ends the open transaction (null), and, for an abort, also when no partition joined it:
     * the producer may abort while its first produce is still in flight (the client does not wait for it),
     * so the abort must bump the epoch to fence that produce, with no marker to write.
     */
    private static Errors refuseEndV2(TransactionMetadata m, long producerId, short epoch, boolean commit) {
        boolean retryOnOverflow = m.previousProducerId == producerId && epoch == Short.MAX_VALUE - 1 && m.producerEpoch == 0;
        boolean retryOnBump = m.producerEpoch == epoch + 1;
        boolean validEpoch = switch (m.state) {
            case ONGOING, EMPTY -> epoch == m.producerEpoch;
            case PREPARE_COMMIT, PREPARE_ABORT -> retryOnBump;
            case COMPLETE_COMMIT, COMPLETE_ABORT -> retryOnBump || retryOnOverflow || epoch == m.producerEpoch;
        };
        if (m.producerId != producerId && !retryOnOverflow) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (!validEpoch) {
            return Errors.PRODUCER_FENCED;
        }
        if (m.completing) {
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        boolean retry = retryOnBump || retryOnOverflow;
        return switch (m.state) {
            case ONGOING -> null;
            case COMPLETE_COMMIT -> commit ? (retry ? Errors.NONE : Errors.INVALID_TXN_STATE) : (retry ? Errors.INVALID_TXN_STATE : null);
            case COMPLETE_ABORT -> commit ? Errors.INVALID_TXN_STATE : (retry ? Errors.NONE : null);
            case PREPARE_COMMIT, PREPARE_ABORT -> Errors.CONCURRENT_TRANSACTIONS;
            case EMPTY -> commit ? Errors.INVALID_TXN_STATE : null;
        };
    }

    /**
     * The producer's end of its transaction: V2 bumps the epoch (the markers carry the new one) and, when that
     * exhausts it, takes the next producer id, used once the markers are written ({@link #afterMarkers}).
     */
    static void endByProducer(TransactionMetadata m, boolean v2, LongSupplier newProducerId) {
        m.clientTransactionVersion = (byte) (v2 ? 2 : 0);
        if (v2) {
            if (TransactionMetadata.isEpochExhausted(m.producerEpoch)) {
                m.nextProducerId = newProducerId.getAsLong();
            }
            m.lastProducerEpoch = m.producerEpoch;
            m.producerEpoch++;
        }
    }

    /**
     * Bumps the epoch of a producer whose open transaction the coordinator aborts. The abort of a Transactions V2
     * transaction bumps it once more, as Kafka's does: the fenced producer's epoch is then never one below the
     * current one, so its late EndTxn is refused (PRODUCER_FENCED) rather than taken for a retry of this abort.
     */
    static void fence(TransactionMetadata m) {
        int bumps = m.clientTransactionVersion >= 2 ? 2 : 1;
        for (int i = 0; i < bumps && m.producerEpoch < Short.MAX_VALUE; i++) {
            m.producerEpoch++;
        }
        m.lastProducerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    }

    /** Once the markers are written: a V2 end that exhausted the epoch hands over to the next producer id, at epoch 0. */
    static void afterMarkers(TransactionMetadata m) {
        if (m.nextProducerId != RecordBatch.NO_PRODUCER_ID) {
            m.previousProducerId = m.producerId;
            m.producerId = m.nextProducerId;
            m.nextProducerId = RecordBatch.NO_PRODUCER_ID;
            m.lastProducerEpoch = m.producerEpoch;
            m.producerEpoch = 0;
        }
    }
}
