package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
public final class AlterConfigsHandler implements Handler<AlterConfigsRequest> {
    private final TopicConfigChanger changer;
    private final Authorization authorization;

    public AlterConfigsHandler(LogStore store, DynamicBrokerConfig brokerConfig, Authorization authorization) {
        this(store, brokerConfig, authorization, null);
    }

    /** @param quorum cluster mode: topic configs change through the quorum (null on one broker) */
    public AlterConfigsHandler(LogStore store, DynamicBrokerConfig brokerConfig, Authorization authorization, MetadataQuorum quorum) {
        this.changer = new TopicConfigChanger(store, brokerConfig, quorum);
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_CONFIGS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, AlterConfigsRequest body) {
        List<CompletableFuture<AlterConfigsResourceResponse>> responses = new ArrayList<>();
        for (AlterConfigsResource res : body.data().resources()) {
            Errors denied = authorization.configAccess(request, AclOperation.ALTER_CONFIGS, res.resourceType(), res.resourceName());
            Map<String, String> given = new LinkedHashMap<>();
            res.configs().forEach(c -> given.put(c.name(), c.value()));
            CompletableFuture<ApiError> result;
            if (denied != Errors.NONE) {
                result = CompletableFuture.completedFuture(new ApiError(denied));
            } else if (TopicConfigChanger.isBroker(res.resourceType())) {
                result = CompletableFuture.completedFuture(changer.changeBroker(res.resourceName(), res.configs().stream().map(c -> c.name()).toList(),
                        TopicConfigChanger.nullValued(res.configs(), c -> c.name(), c -> c.value() == null), current -> given,
                        body.data().validateOnly()));
            } else {
                result = changer.changeTopic(res.resourceType(), res.resourceName(), topic -> given, body.data().validateOnly());
            }
            responses.add(result.thenApply(r -> new AlterConfigsResourceResponse().setResourceType(res.resourceType())
                    .setResourceName(res.resourceName()).setErrorCode(r.error().code()).setErrorMessage(r.message())));
        }
        return QuorumSubmit.all(responses).thenApply(v -> {
            AlterConfigsResponseData data = new AlterConfigsResponseData();
            responses.forEach(r -> data.responses().add(r.join()));
            return new AlterConfigsResponse(data);
        });
    }
}
