package io.kafkalite.handlers;

import io.kafkalite.logstore.LogConfig;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.util.Map;
import java.util.function.Function;
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

    TopicConfigChanger(LogStore store) {
        this.store = store;
    }

    /**
     * Changes one resource's configs: {@code newOverrides} computes the topic's next overrides from the topic.
     * Broker configs are static here (INVALID_REQUEST); unknown topics give UNKNOWN_TOPIC_OR_PARTITION.
     */
    ApiError change(byte resourceType, String name, Function<Topic, Map<String, String>> newOverrides, boolean validateOnly) {
        try {
            ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
            if (type != ConfigResource.Type.TOPIC) {
                throw new InvalidRequestException("Only topic configs can be changed; " + type + " configs are static on this broker");
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

    /** Whether the config holds a list (APPEND and SUBTRACT apply to those only). */
    static boolean isList(String name) {
        var key = LogConfig.definition().configKeys().get(name);
        return key != null && key.type == org.apache.kafka.common.config.ConfigDef.Type.LIST;
    }
}
