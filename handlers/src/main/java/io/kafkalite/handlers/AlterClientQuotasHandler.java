package io.kafkalite.handlers;

import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterClientQuotasRequest;
import org.apache.kafka.common.requests.AlterClientQuotasResponse;

/**
 * AlterClientQuotas, v0-v1 (KIP-546): sets or removes client quotas ({@code kafka-configs --alter
 * --entity-type users|clients|ips}, {@code Admin.alterClientQuotas}), durably, as Kafka's controller does.
 * <ul>
 * <li>Needs ALTER_CONFIGS on the cluster, else the whole request fails with CLUSTER_AUTHORIZATION_FAILED.</li>
 * <li>Each entity is checked and answered on its own with Kafka's INVALID_REQUEST messages (entity types and
 *     combinations, unknown quota keys, values not above 0, fractions of whole-number quotas, an IP that does
 *     not resolve, a repeated key or entity); the valid entities' changes are stored in one atomic write,
 *     and the answer is sent once it is durable.</li>
 * <li>{@code validate_only}: checked and answered, nothing stored.</li>
 * <li>{@code producer_byte_rate} and {@code consumer_byte_rate} apply to the next request; the other keys are
 *     stored and described but not enforced (see SKIPPED.md).</li>
 * </ul>
 */
public final class AlterClientQuotasHandler implements Handler<AlterClientQuotasRequest> {
    private final ClientQuotaStore store;
    private final Authorization authorization;

    public AlterClientQuotasHandler(ClientQuotaStore store, Authorization authorization) {
        this.store = store;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_CLIENT_QUOTAS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, AlterClientQuotasRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER_CONFIGS)) {
            throw new ClusterAuthorizationException("Cluster authorization failed.");
        }
        return store.alter(body.entries(), body.validateOnly())
                .thenApply(results -> AlterClientQuotasResponse.fromQuotaEntities(results, 0));
    }
}
