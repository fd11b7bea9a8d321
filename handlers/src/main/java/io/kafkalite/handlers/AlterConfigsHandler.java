package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.KafkaRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiError;

/**
 * AlterConfigs, v0-v2 (the older, non-incremental API): a topic's overrides, or a broker resource's dynamic
 * configs ({@link DynamicBrokerConfig}), are replaced by exactly the configs given. Errors as IncrementalAlterConfigs.
 * ALTER_CONFIGS on the topic or group, on the cluster for broker resources, else
 * TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED, as Kafka.
 */
public final class AlterConfigsHandler implements Handler.Immediate<AlterConfigsRequest> {
    private final TopicConfigChanger changer;
    private final Authorization authorization;

    public AlterConfigsHandler(LogStore store, DynamicBrokerConfig brokerConfig, Authorization authorization) {
        this.changer = new TopicConfigChanger(store, brokerConfig);
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_CONFIGS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, AlterConfigsRequest body) {
        AlterConfigsResponseData data = new AlterConfigsResponseData();
        for (AlterConfigsResource res : body.data().resources()) {
            Errors denied = authorization.configAccess(request, AclOperation.ALTER_CONFIGS, res.resourceType(), res.resourceName());
            Map<String, String> given = new LinkedHashMap<>();
            res.configs().forEach(c -> given.put(c.name(), c.value()));
            ApiError result;
            if (denied != Errors.NONE) {
                result = new ApiError(denied);
            } else if (TopicConfigChanger.isBroker(res.resourceType())) {
                result = changer.changeBroker(res.resourceName(), res.configs().stream().map(c -> c.name()).toList(),
                        TopicConfigChanger.nullValued(res.configs(), c -> c.name(), c -> c.value() == null), current -> given,
                        body.data().validateOnly());
            } else {
                result = changer.change(res.resourceType(), res.resourceName(), topic -> given, body.data().validateOnly());
            }
            data.responses().add(new AlterConfigsResourceResponse().setResourceType(res.resourceType()).setResourceName(res.resourceName())
                    .setErrorCode(result.error().code()).setErrorMessage(result.message()));
        }
        return new AlterConfigsResponse(data);
    }
}
