package io.kafkalite.handlers;

import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What CreateTopics does alike on one broker ({@link CreateTopicsHandler}) and in a cluster
 * ({@link ClusterCreateTopicsHandler}): the request-level checks (a name given twice, CREATE authorization) and each
 * topic's answer (counts, configs v5+, hidden without DESCRIBE_CONFIGS). One instance per request.
 */
final class CreateTopicsAnswers {
    private final ConfigDescriber describer;
    private final short version;
    private final Set<String> duplicates;
    private final Set<String> createDenied;
    private final Set<String> configsDenied;

    CreateTopicsAnswers(KafkaRequest request, CreateTopicsRequest body, Authorization authorization, ConfigDescriber describer) {
        this.describer = describer;
        this.version = body.version();
        this.duplicates = TopicCreator.duplicates(body.data().topics().stream().map(CreatableTopic::name));
        if (authorization.enabled()) {
            List<String> names = body.data().topics().stream().map(CreatableTopic::name).filter(n -> !duplicates.contains(n)).toList();
            createDenied = authorization.allowedOnCluster(request, AclOperation.CREATE, false) ? Set.of()
                    : authorization.deniedNames(request, AclOperation.CREATE, ResourceType.TOPIC, names);
            configsDenied = authorization.denied(request, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, names, n -> n, false);
        } else {
            createDenied = Set.of();
            configsDenied = Set.of();
        }
    }

    /** A topic's answer before anything is known: no id, no counts. */
    static CreatableTopicResult unanswered(CreatableTopic t) {
        return new CreatableTopicResult().setName(t.name()).setTopicId(Uuid.ZERO_UUID).setNumPartitions(-1).setReplicationFactor((short) -1);
    }

    /** Fails with INVALID_REQUEST for a name given twice, TOPIC_AUTHORIZATION_FAILED without CREATE. */
    void checkRequest(CreatableTopic t) {
        if (duplicates.contains(t.name())) {
            throw new InvalidRequestException("Create topics request from client contains duplicate topic " + t.name());
        }
        if (createDenied.contains(t.name())) {
            throw new TopicAuthorizationException("Authorization failed.");
        }
    }

    /** The request's configs for a topic, in request order. */
    static Map<String, String> configs(CreatableTopic t) {
        Map<String, String> configs = new LinkedHashMap<>();
        for (CreatableTopicConfig c : t.configs()) {
            configs.put(c.name(), c.value());
        }
        return configs;
    }

    /** The answer for a created (or validated) topic. */
    CreatableTopicResult created(CreatableTopicResult result, Topic topic, short replicationFactor) {
        if (configsDenied.contains(topic.name())) { // created, but its settings are not the principal's to see
            return result.setErrorCode(Errors.NONE.code()).setTopicId(topic.id()).setNumPartitions(-1)
                    .setReplicationFactor((short) -1).setConfigs(List.of())
                    .setTopicConfigErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
        }
        result.setErrorCode(Errors.NONE.code()).setTopicId(topic.id()).setNumPartitions(topic.partitions())
                .setReplicationFactor(replicationFactor);
        if (version >= 5) {
            for (DescribeConfigsResourceResult c : describer.topic(topic, false, false)) {
                result.configs().add(new CreatableTopicConfigs().setName(c.name()).setValue(c.value()).setReadOnly(c.readOnly())
                        .setConfigSource(c.configSource()).setIsSensitive(c.isSensitive()));
            }
        }
        return result;
    }

    static CreatableTopicResult failed(CreatableTopicResult result, ApiError error) {
        return result.setErrorCode(error.error().code()).setErrorMessage(error.message()).setConfigs(null);
    }
}
