package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;

/**
 * IncrementalAlterConfigs, v0-v1 (what {@code kafka-configs.sh --alter} and the admin client use).
 * <ul>
 * <li>Topic configs: SET, DELETE (back to the default), APPEND and SUBTRACT (list configs such as
 *     {@code cleanup.policy}); the topic's data path follows at once. INVALID_CONFIG for unknown or
 *     invalid values and for APPEND/SUBTRACT on non-list configs; UNKNOWN_TOPIC_OR_PARTITION.</li>
 * <li>{@code validate_only} checks and changes nothing.</li>
 * <li>Broker configs (resource "" for the cluster-wide default, or this broker's id): the dynamic ones Kafka
 *     allows, persisted and applied at once where this broker can ({@link DynamicBrokerConfig}). As Kafka:
 *     INVALID_REQUEST "Cannot update these configs dynamically: [...]" for static ones, INVALID_REQUEST for
 *     invalid values too (KAFKA-13609), INVALID_CONFIG for APPEND/SUBTRACT on non-list configs.</li>
 * <li>BROKER_LOGGER (this node's id): SET or DELETE a logger's level at run time ({@link BrokerLoggerConfigs}).</li>
 * <li>ALTER_CONFIGS on the topic or group, on the cluster for broker resources, else
 *     TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED, as Kafka.</li>
 * </ul>
 */
public final class IncrementalAlterConfigsHandler implements Handler<IncrementalAlterConfigsRequest> {
    private final LogStore store;
    private final TopicConfigChanger changer;
    private final BrokerLoggerConfigs loggers;
    private final Authorization authorization;

    public IncrementalAlterConfigsHandler(LogStore store, DynamicBrokerConfig brokerConfig, Authorization authorization) {
        this(store, brokerConfig, authorization, null);
    }

    /** @param quorum cluster mode: topic configs change through the quorum (null on one broker) */
    public IncrementalAlterConfigsHandler(LogStore store, DynamicBrokerConfig brokerConfig, Authorization authorization, MetadataQuorum quorum) {
        this.store = store;
        this.loggers = new BrokerLoggerConfigs(brokerConfig.current().nodeId());
        this.changer = new TopicConfigChanger(store, brokerConfig, quorum);
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, IncrementalAlterConfigsRequest body) {
        List<CompletableFuture<AlterConfigsResourceResponse>> responses = new ArrayList<>();
        for (AlterConfigsResource res : body.data().resources()) {
            Errors denied = authorization.configAccess(request, AclOperation.ALTER_CONFIGS, res.resourceType(), res.resourceName());
            CompletableFuture<ApiError> result;
            if (denied != Errors.NONE) {
                result = CompletableFuture.completedFuture(new ApiError(denied));
            } else if (res.resourceType() == ConfigResource.Type.BROKER_LOGGER.id()) {
                result = CompletableFuture.completedFuture(alterLoggers(res, body.data().validateOnly()));
            } else if (TopicConfigChanger.isBroker(res.resourceType())) {
                result = CompletableFuture.completedFuture(changer.changeBroker(res.resourceName(), res.configs().stream().map(AlterableConfig::name).toList(),
                        TopicConfigChanger.nullValued(res.configs(), AlterableConfig::name,
                                c -> c.value() == null && c.configOperation() != AlterConfigOp.OpType.DELETE.id()),
                        current -> applied(current, res.configs(), DynamicConfigNames::key), body.data().validateOnly()));
            } else {
                result = changer.changeTopic(res.resourceType(), res.resourceName(), topic -> changed(topic, res.configs()),
                        body.data().validateOnly());
            }
            responses.add(result.thenApply(r -> new AlterConfigsResourceResponse().setResourceType(res.resourceType())
                    .setResourceName(res.resourceName()).setErrorCode(r.error().code()).setErrorMessage(r.message())));
        }
        return QuorumSubmit.all(responses).thenApply(v -> {
            IncrementalAlterConfigsResponseData data = new IncrementalAlterConfigsResponseData();
            responses.forEach(r -> data.responses().add(r.join()));
            return new IncrementalAlterConfigsResponse(data);
        });
    }

    private ApiError alterLoggers(AlterConfigsResource res, boolean validateOnly) {
        try {
            loggers.alter(res, validateOnly);
            return ApiError.NONE;
        } catch (ApiException e) {
            return ApiError.fromThrowable(e);
        }
    }

    private Map<String, String> changed(Topic topic, Iterable<AlterableConfig> ops) {
        Map<String, String> next = new LinkedHashMap<>(topic.configs());
        for (AlterableConfig op : ops) {
            AlterConfigOp.OpType type = opType(op);
            if ((type == AlterConfigOp.OpType.APPEND || type == AlterConfigOp.OpType.SUBTRACT) && !TopicConfigChanger.isList(op.name())) {
                throw new InvalidConfigurationException("Config " + op.name() + " is not a list; it cannot be " + type);
            }
            // as in Kafka, a topic's list starts from the effective value: the override, else the default
            apply(next, op, type, () -> ConfigDef.convertToString(effective(topic).value(op.name()), ConfigDef.Type.LIST));
        }
        return next;
    }

    /** The topic's effective config (cluster mode: this broker's log store may not have caught up with the topic yet). */
    private io.kafkalite.logstore.LogConfig effective(Topic topic) {
        io.kafkalite.logstore.LogConfig local = store.config(topic.name());
        return local != null ? local : new io.kafkalite.logstore.LogConfig(store.brokerDefaults(), topic.configs());
    }

    /** A broker resource's next dynamic configs; as in Kafka, a list starts from the resource's value, else Kafka's default. */
    static Map<String, String> applied(Map<String, String> current, Iterable<AlterableConfig> ops,
                                       Function<String, ConfigDef.ConfigKey> keys) {
        for (AlterableConfig op : ops) {
            AlterConfigOp.OpType type = opType(op);
            if (type == AlterConfigOp.OpType.APPEND || type == AlterConfigOp.OpType.SUBTRACT) {
                ConfigDef.ConfigKey key = keys.apply(op.name());
                if (key == null) {
                    throw new InvalidConfigurationException("Unknown config name: " + op.name());
                }
                if (key.type != ConfigDef.Type.LIST) {
                    throw new InvalidConfigurationException("Config value " + (type == AlterConfigOp.OpType.APPEND ? "append" : "subtract")
                            + " is not allowed for config key: " + op.name());
                }
                apply(current, op, type, () -> ConfigDef.convertToString(key.defaultValue, ConfigDef.Type.LIST));
            } else {
                apply(current, op, type, () -> null);
            }
        }
        return current;
    }

    private static AlterConfigOp.OpType opType(AlterableConfig op) {
        AlterConfigOp.OpType type = AlterConfigOp.OpType.forId(op.configOperation());
        if (type == null) {
            throw new InvalidRequestException("Unknown operations type " + op.configOperation());
        }
        return type;
    }

    private static void apply(Map<String, String> next, AlterableConfig op, AlterConfigOp.OpType type, Supplier<String> startingList) {
        switch (type) {
            case SET -> next.put(op.name(), op.value());
            case DELETE -> next.remove(op.name());
            case APPEND, SUBTRACT -> {
                String current = next.containsKey(op.name()) ? next.get(op.name()) : startingList.get();
                List<String> values = new ArrayList<>(current == null || current.isEmpty() ? List.of() : Arrays.asList(current.split(",")));
                for (String v : op.value().split(",")) {
                    if (type == AlterConfigOp.OpType.APPEND && !values.contains(v)) {
                        values.add(v);
                    } else if (type == AlterConfigOp.OpType.SUBTRACT) {
                        values.remove(v);
                    }
                }
                next.put(op.name(), String.join(",", values));
            }
            default -> throw new InvalidConfigurationException("Unsupported config operation " + type);
        }
    }
}
