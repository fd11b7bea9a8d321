package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

/**
 * DescribeConfigs, v1-v4.
 * <ul>
 * <li>TOPIC: every topic config with its effective value, source and default (Connect checks
 *     {@code cleanup.policy} of its topics this way); UNKNOWN_TOPIC_OR_PARTITION for unknown topics.</li>
 * <li>BROKER: for this node's id every broker config we know, with value and source (dynamic ones from
 *     {@link DynamicBrokerConfig}); for "" only the cluster-wide dynamic defaults, as Kafka. Another broker
 *     id gives INVALID_REQUEST.</li>
 * <li>Synonyms with {@code include_synonyms}, documentation and config types (v3+).</li>
 * <li>BROKER_LOGGER (this node's id): every logger and its level ({@link BrokerLoggerConfigs}); INVALID_REQUEST for
 *     another id.</li>
 * <li>Other resource types (GROUP, CLIENT_METRICS): INVALID_REQUEST, not supported yet.</li>
 * <li>DESCRIBE_CONFIGS on the topic or group, on the cluster for broker resources, else
 *     TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED with no configs, as Kafka.</li>
 * </ul>
 */
public final class DescribeConfigsHandler implements Handler.Immediate<DescribeConfigsRequest> {
    private final LogStore store;
    private final ClusterInfo cluster;
    private final ConfigDescriber describer;
    private final BrokerLoggerConfigs loggers;
    private final Authorization authorization;

    public DescribeConfigsHandler(LogStore store, ClusterInfo cluster, DynamicBrokerConfig config, Authorization authorization) {
        this.store = store;
        this.cluster = cluster;
        this.describer = new ConfigDescriber(config);
        this.loggers = new BrokerLoggerConfigs(cluster.nodeId());
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CONFIGS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeConfigsRequest body) {
        DescribeConfigsResponseData data = new DescribeConfigsResponseData();
        boolean synonyms = body.data().includeSynonyms();
        boolean docs = body.data().includeDocumentation();
        for (DescribeConfigsResource res : body.data().resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(res.resourceType()).setResourceName(res.resourceName());
            ConfigResource.Type type = ConfigResource.Type.forId(res.resourceType());
            List<DescribeConfigsResourceResult> configs = null;
            Errors denied = authorization.configAccess(request, AclOperation.DESCRIBE_CONFIGS, res.resourceType(), res.resourceName());
            if (denied != Errors.NONE) {
                result.setErrorCode(denied.code()).setErrorMessage(denied.message()).setConfigs(new ArrayList<>());
            } else if (type == ConfigResource.Type.TOPIC) {
                Topic topic = store.topic(res.resourceName());
                if (topic == null) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage("Topic " + res.resourceName() + " does not exist");
                } else {
                    configs = describer.topic(topic, synonyms, docs);
                }
            } else if (type == ConfigResource.Type.BROKER) {
                if (res.resourceName().isEmpty()) {
                    configs = describer.clusterDefaults(synonyms, docs);
                } else if (!res.resourceName().matches("-?\\d{1,10}")) {
                    result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Broker id must be an integer, but it is: " + res.resourceName());
                } else if (res.resourceName().equals(String.valueOf(cluster.nodeId()))) {
                    configs = describer.broker(synonyms, docs);
                } else {
                    result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Unexpected broker id, expected " + cluster.nodeId()
                            + " or empty string, but received " + res.resourceName());
                }
            } else if (type == ConfigResource.Type.BROKER_LOGGER) {
                try {
                    configs = loggers.describe(res.resourceName());
                } catch (ApiException e) {
                    result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
                }
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Resource type " + type + " is not supported");
            }
            if (configs != null) {
                if (res.configurationKeys() != null && !res.configurationKeys().isEmpty()) {
                    configs.removeIf(c -> !res.configurationKeys().contains(c.name()));
                }
                result.setErrorCode(Errors.NONE.code()).setConfigs(configs);
            }
            data.results().add(result);
        }
        return new DescribeConfigsResponse(data);
    }
}
