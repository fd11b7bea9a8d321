package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * InitProducerId, v0-v5.
 * <ul>
 * <li>Without a transactional id every call gets a fresh producer id with epoch 0, as in Kafka (a
 *     producer that asks to bump its epoch, KIP-360, gets a new id too). Ids are reserved durably in
 *     blocks, so none is handed out twice, also across restarts.</li>
 * <li>With a transactional id the transaction coordinator answers: epoch bump and fencing of older
 *     producers, abort of an open transaction (CONCURRENT_TRANSACTIONS, the client retries), KIP-360
 *     recovery with the producer's id and epoch (PRODUCER_FENCED when they do not match; v4+, older
 *     versions get INVALID_PRODUCER_EPOCH), INVALID_TRANSACTION_TIMEOUT above
 *     {@code transaction.max.timeout.ms}.</li>
 * <li>Authorization as Kafka: a transactional id needs WRITE on it (and TWO_PHASE_COMMIT for a two-phase-commit
 *     producer), else TRANSACTIONAL_ID_AUTHORIZATION_FAILED; an idempotent producer needs IDEMPOTENT_WRITE on the
 *     cluster or WRITE on at least one topic ({@code Authorizer#authorizeByResourceType}), else
 *     CLUSTER_AUTHORIZATION_FAILED.</li>
 * </ul>
 */
public final class InitProducerIdHandler implements Handler<InitProducerIdRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public InitProducerIdHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, InitProducerIdRequest body) {
        String transactionalId = body.data().transactionalId();
        if (authorization.enabled()) {
            if (transactionalId != null) {
                if (!authorization.allowed(request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)
                        || body.enable2Pc() && !authorization.allowed(request, AclOperation.TWO_PHASE_COMMIT, ResourceType.TRANSACTIONAL_ID, transactionalId)) {
                    return Authorization.refused(body, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
                }
            } else if (!authorization.allowedOnCluster(request, AclOperation.IDEMPOTENT_WRITE, false)
                    && !authorization.allowedOnAnyOf(request, AclOperation.WRITE, ResourceType.TOPIC)) {
                return Authorization.refused(body, Errors.CLUSTER_AUTHORIZATION_FAILED);
            }
        }
        if (transactionalId == null) {
            return CompletableFuture.completedFuture(new InitProducerIdResponse(new InitProducerIdResponseData()
                    .setErrorCode(Errors.NONE.code()).setProducerId(coordinators.newProducerId()).setProducerEpoch((short) 0)));
        }
        return coordinators.transactions().initProducerId(transactionalId, body.data().transactionTimeoutMs(), body.data().producerId(),
                body.data().producerEpoch()).thenApply(r -> new InitProducerIdResponse(new InitProducerIdResponseData()
                .setErrorCode(TransactionErrors.forVersion(r.error(), body.version(), 4).code())
                .setProducerId(r.producerId()).setProducerEpoch(r.producerEpoch())));
    }
}
