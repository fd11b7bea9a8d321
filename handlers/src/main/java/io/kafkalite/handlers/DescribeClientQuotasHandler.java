package io.kafkalite.handlers;

import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.wire.KafkaRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData.ComponentData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntityData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntryData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.ValueData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;
import org.apache.kafka.common.requests.DescribeClientQuotasResponse;

/**
 * DescribeClientQuotas, v0-v1 (KIP-546): the stored client quotas ({@link ClientQuotaStore}) of every entity
 * the filter matches, as Kafka's metadata image answers it ({@code kafka-configs --describe --entity-type
 * users|clients|ips}, {@code Admin.describeClientQuotas}).
 * <ul>
 * <li>A component matches an entity that has its entity type with exactly that name (MATCH_TYPE_EXACT), the
 *     default (MATCH_TYPE_DEFAULT), or any name or the default (MATCH_TYPE_SPECIFIED); an entity must match
 *     every component; {@code strict} also excludes entities with entity types the filter does not name.</li>
 * <li>Needs DESCRIBE_CONFIGS on the cluster, else CLUSTER_AUTHORIZATION_FAILED.</li>
 * <li>The filter is checked as Kafka checks it (INVALID_REQUEST for an empty or repeated entity type, a
 *     match string that contradicts its match type, an unknown match type, or ip combined with user or
 *     client-id; UNSUPPORTED_VERSION for an unknown entity type), with Kafka's messages.</li>
 * </ul>
 */
public final class DescribeClientQuotasHandler implements Handler.Immediate<DescribeClientQuotasRequest> {
    private final ClientQuotaStore store;
    private final Authorization authorization;

    public DescribeClientQuotasHandler(ClientQuotaStore store, Authorization authorization) {
        this.store = store;
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
        DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
        store.all().forEach((entity, quotas) -> {
            if (matches(entity, body.data().components(), body.data().strict())) {
                EntryData entry = new EntryData();
                entity.entries().forEach((type, name) -> entry.entity().add(new EntityData().setEntityType(type).setEntityName(name)));
                quotas.forEach((key, value) -> entry.values().add(new ValueData().setKey(key).setValue(value)));
                response.entries().add(entry);
            }
        });
        return new DescribeClientQuotasResponse(response);
    }

    private static boolean matches(ClientQuotaEntity entity, List<ComponentData> components, boolean strict) {
        Map<String, String> entries = entity.entries();
        if (strict && entries.size() != components.size()) {
            return false;
        }
        for (ComponentData c : components) {
            if (!entries.containsKey(c.entityType())) {
                return false;
            }
            if (c.matchType() != DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED && !Objects.equals(entries.get(c.entityType()), c.match())) {
                return false; // EXACT: that name; DEFAULT: match is null, the default's name
            }
        }
        return true;
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
