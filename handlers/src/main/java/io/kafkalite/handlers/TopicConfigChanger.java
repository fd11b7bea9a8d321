package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.logstore.LogConfig;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What AlterConfigs and IncrementalAlterConfigs share: which resources may change, and applying the change. */
final class TopicConfigChanger {
    private static final Logger log = LoggerFactory.getLogger(TopicConfigChanger.class);

    private final LogStore store;
    private final DynamicBrokerConfig brokerConfig;
    private final MetadataQuorum quorum; // cluster mode: topic configs change through the quorum; null on one broker

    TopicConfigChanger(LogStore store, DynamicBrokerConfig brokerConfig, MetadataQuorum quorum) {
        this.store = store;
        this.brokerConfig = brokerConfig;
        this.quorum = quorum;
    }

    /**
     * Changes a BROKER resource's dynamic configs (see {@link DynamicBrokerConfig}) after Kafka's first checks:
     * no config named twice, no null value outside a DELETE (INVALID_REQUEST).
     * @param names     the config names in the request, in order
     * @param nullNames those given a null value where one is needed
     */
    ApiError changeBroker(String name, List<String> names, List<String> nullNames, UnaryOperator<Map<String, String>> next,
                          boolean validateOnly) {
        if (new HashSet<>(names).size() != names.size()) {
            return new ApiError(Errors.INVALID_REQUEST, "Error due to duplicate config keys");
        }
        if (!nullNames.isEmpty()) {
            return new ApiError(Errors.INVALID_REQUEST, "Null value not supported for : " + String.join(", ", nullNames));
        }
        return brokerConfig.alter(name, next, validateOnly);
    }

    /** Whether a resource of this type is a broker's (its configs go to {@link #changeBroker}). */
    static boolean isBroker(byte resourceType) {
        return ConfigResource.Type.forId(resourceType) == ConfigResource.Type.BROKER;
    }

    /** Helper for {@link #changeBroker}: the names of {@code configs} whose value is null (and must not be). */
    static <T> List<String> nullValued(Iterable<T> configs, Function<T, String> name, java.util.function.Predicate<T> missingValue) {
        List<String> found = new ArrayList<>();
        configs.forEach(c -> {
            if (missingValue.test(c)) {
                found.add(name.apply(c));
            }
        });
        return found;
    }

    /**
     * Changes one topic's configs: {@code newOverrides} computes the topic's next overrides from the topic.
     * Unknown topics give UNKNOWN_TOPIC_OR_PARTITION; other resource types (but BROKER) INVALID_REQUEST.
     */
    ApiError change(byte resourceType, String name, Function<Topic, Map<String, String>> newOverrides, boolean validateOnly) {
        try {
            ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
            if (type != ConfigResource.Type.TOPIC) {
                throw new InvalidRequestException("Only topic and broker configs can be changed; " + type + " configs are not supported");
            }
            Topic topic = store.topic(name);
            if (topic == null) {
                throw new UnknownTopicOrPartitionException("Topic " + name + " does not exist.");
            }
            Map<String, String> overrides = newOverrides.apply(topic);
            TopicCreator.validateConfigs(overrides);
            if (!validateOnly) {
                store.alterConfigs(topic.name(), overrides);
                log.info("Topic {} configs are now {}", topic.name(), overrides);
            }
            return ApiError.NONE;
        } catch (ApiException e) {
            return new ApiError(Errors.forException(e), e.getMessage());
        }
    }

    /**
     * {@link #change} on one broker; in cluster mode the topic is the cluster metadata's and its new overrides are
     * proposed to the quorum (AlterTopicConfigs), the answer once applied; the log store follows (TopicReconciler).
     */
    CompletableFuture<ApiError> changeTopic(byte resourceType, String name, Function<Topic, Map<String, String>> newOverrides,
                                            boolean validateOnly) {
        if (quorum == null) {
            return CompletableFuture.completedFuture(change(resourceType, name, newOverrides, validateOnly));
        }
        try {
            ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
            if (type != ConfigResource.Type.TOPIC) {
                throw new InvalidRequestException("Only topic and broker configs can be changed; " + type + " configs are not supported");
            }
            TopicImage topic = quorum.image().topic(name);
            if (topic == null) {
                throw new UnknownTopicOrPartitionException("Topic " + name + " does not exist.");
            }
            Map<String, String> overrides = newOverrides.apply(QuorumSubmit.asTopic(topic));
            TopicCreator.validateConfigs(overrides);
            if (validateOnly) {
                return CompletableFuture.completedFuture(ApiError.NONE);
            }
            return QuorumSubmit.submit(quorum, new MetadataRecord.AlterTopicConfigs(topic.id(), overrides)).thenApply(e -> {
                // deleted meanwhile: as if it had not been there
                return e.error() == Errors.UNKNOWN_TOPIC_ID ? new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic " + name + " does not exist.") : e;
            });
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(new ApiError(Errors.forException(e), e.getMessage()));
        }
    }

    /** Whether the config holds a list (APPEND and SUBTRACT apply to those only). */
    static boolean isList(String name) {
        var key = LogConfig.definition().configKeys().get(name);
        return key != null && key.type == org.apache.kafka.common.config.ConfigDef.Type.LIST;
    }
}
