package io.kafkalite.handlers;

import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;

/**
 * AddOffsetsToTxn, v0-v4 (producers of the original protocol; V2 producers let TxnOffsetCommit v5+ do it):
 * the group's offsets join the open transaction, shown as its {@code __consumer_offsets} partition as in Kafka.
 */
public final class AddOffsetsToTxnHandler implements Handler<AddOffsetsToTxnRequest> {
    private final TransactionCoordinator transactions;

    public AddOffsetsToTxnHandler(TransactionCoordinator transactions) {
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_OFFSETS_TO_TXN;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, AddOffsetsToTxnRequest body) {
        return transactions.addOffsets(body.data().transactionalId(), body.data().producerId(), body.data().producerEpoch(),
                body.data().groupId()).thenApply(e -> new AddOffsetsToTxnResponse(new AddOffsetsToTxnResponseData()
                .setErrorCode(TransactionErrors.forVersion(e, body.version(), 2).code())));
    }
}
