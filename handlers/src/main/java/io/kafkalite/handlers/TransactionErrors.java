package io.kafkalite.handlers;

import org.apache.kafka.common.protocol.Errors;

/** Error codes of the transaction APIs as each request version knows them, as Kafka maps them. */
final class TransactionErrors {
    private TransactionErrors() { }

    /**
     * PRODUCER_FENCED exists from {@code fencedSince} (it was added to each transaction API in a later
     * version): older versions get INVALID_PRODUCER_EPOCH, which those clients treat as fatal too.
     */
    static Errors forVersion(Errors error, short version, int fencedSince) {
        if (error == Errors.PRODUCER_FENCED && version < fencedSince) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        return error;
    }
}
