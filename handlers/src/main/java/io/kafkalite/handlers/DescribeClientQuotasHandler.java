package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData.ComponentData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;
import org.apache.kafka.common.requests.DescribeClientQuotasResponse;

/**
 * DescribeClientQuotas, v0-v1 (KIP-546): this broker stores and enforces no client quotas, so a valid
 * filter matches no entity and the answer is an empty list, as Kafka answers when none are set.
 * {@code kafka-configs --describe --entity-type users} sends it before describing SCRAM credentials.
 * <ul>
 * <li>Needs DESCRIBE_CONFIGS on the cluster, else CLUSTER_AUTHORIZATION_FAILED.</li>
 * <li>The filter is checked as Kafka checks it (INVALID_REQUEST for an empty or repeated entity type, a
 *     match string that contradicts its match type, an unknown match type, or ip combined with user or
 *     client-id; UNSUPPORTED_VERSION for an unknown entity type), with Kafka's messages.</li>
 * </ul>
 * Not served: AlterClientQuotas (quotas are not enforced; see SKIPPED.md).
 */
public final class DescribeClientQuotasHandler implements Handler.Immediate<DescribeClientQuotasRequest> {
    private final Authorization authorization;

    public DescribeClientQuotasHandler(Authorization authorization) {
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CLIENT_QUOTAS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeClientQuotasRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.DESCRIBE_CONFIGS)) {
            throw new ClusterAuthorizationException("Cluster authorization failed.");
        }
        validate(body);
        return new DescribeClientQuotasResponse(new DescribeClientQuotasResponseData());
    }

    private static void validate(DescribeClientQuotasRequest body) {
        Set<String> types = new HashSet<>();
        for (ComponentData component : body.data().components()) {
            String type = component.entityType();
            if (type.isEmpty()) {
                throw new InvalidRequestException("Invalid empty entity type.");
            }
            if (!types.add(type)) {
                throw new InvalidRequestException("Entity type " + type + " cannot appear more than once in the filter.");
            }
            if (!type.equals(ClientQuotaEntity.USER) && !type.equals(ClientQuotaEntity.CLIENT_ID) && !type.equals(ClientQuotaEntity.IP)) {
                throw new UnsupportedVersionException("Unsupported entity type " + type);
            }
            switch (component.matchType()) {
                case DescribeClientQuotasRequest.MATCH_TYPE_EXACT -> {
                    if (component.match() == null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_EXACT, but set match string to null.");
                    }
                }
                case DescribeClientQuotasRequest.MATCH_TYPE_DEFAULT -> {
                    if (component.match() != null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
                    }
                }
                case DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED -> {
                    if (component.match() != null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
                    }
                }
                default -> throw new InvalidRequestException("Unknown match type " + component.matchType());
            }
        }
        if (types.contains(ClientQuotaEntity.IP) && (types.contains(ClientQuotaEntity.USER) || types.contains(ClientQuotaEntity.CLIENT_ID))) {
            throw new InvalidRequestException("Invalid entity filter component combination. IP filter component should not be used with "
                    + "user or clientId filter component.");
        }
    }
}
