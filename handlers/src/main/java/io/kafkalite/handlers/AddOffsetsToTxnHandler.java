package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * AddOffsetsToTxn, v0-v4 (producers of the original protocol; V2 producers let TxnOffsetCommit v5+ do it):
 * the group's offsets join the open transaction, shown as its {@code __consumer_offsets} partition as in Kafka.
 * Needs WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then READ on the group
 * (GROUP_AUTHORIZATION_FAILED), as Kafka.
 */
public final class AddOffsetsToTxnHandler implements Handler<AddOffsetsToTxnRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public AddOffsetsToTxnHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_OFFSETS_TO_TXN;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, AddOffsetsToTxnRequest body) {
        if (!authorization.allowed(request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.data().transactionalId())) {
            return refused(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        if (!authorization.allowed(request, AclOperation.READ, ResourceType.GROUP, body.data().groupId())) {
            return refused(Errors.GROUP_AUTHORIZATION_FAILED);
        }
        return coordinators.transactions().addOffsets(body.data().transactionalId(), body.data().producerId(), body.data().producerEpoch(),
                body.data().groupId()).thenApply(e -> new AddOffsetsToTxnResponse(new AddOffsetsToTxnResponseData()
                .setErrorCode(TransactionErrors.forVersion(e, body.version(), 2).code())));
    }

    private static CompletableFuture<AbstractResponse> refused(Errors error) {
        return CompletableFuture.completedFuture(new AddOffsetsToTxnResponse(new AddOffsetsToTxnResponseData().setErrorCode(error.code())));
    }
}
