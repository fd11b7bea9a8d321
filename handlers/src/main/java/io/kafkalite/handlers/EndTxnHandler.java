package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.resource.ResourceType;

/**
 * EndTxn, v0-v5: commits or aborts the producer's transaction and answers once its markers are in every
 * partition. v5 is a Transactions V2 producer (KIP-890): the end bumps its epoch, and the answer carries
 * the producer id and epoch for its next transaction. PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.
 * Needs WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as Kafka.
 */
public final class EndTxnHandler implements Handler<EndTxnRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public EndTxnHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.END_TXN;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, EndTxnRequest body) {
        if (!authorization.allowed(request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.data().transactionalId())) {
            return CompletableFuture.completedFuture(new EndTxnResponse(new EndTxnResponseData()
                    .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())));
        }
        return coordinators.transactions().endTransaction(body.data().transactionalId(), body.data().producerId(), body.data().producerEpoch(),
                body.result() == TransactionResult.COMMIT, body.version() > EndTxnRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2)
                .thenApply(r -> new EndTxnResponse(new EndTxnResponseData()
                        .setErrorCode(TransactionErrors.forVersion(r.error(), body.version(), 2).code())
                        .setProducerId(r.producerId()).setProducerEpoch(r.producerEpoch())));
    }
}
