package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.KafkaRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiError;

/**
 * AlterConfigs, v0-v2 (the older, non-incremental API): a topic's overrides are replaced by exactly the
 * configs given. Errors as IncrementalAlterConfigs; broker configs are static here (INVALID_REQUEST).
 */
public final class AlterConfigsHandler implements Handler.Immediate<AlterConfigsRequest> {
    private final TopicConfigChanger changer;

    public AlterConfigsHandler(LogStore store) {
        this.changer = new TopicConfigChanger(store);
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_CONFIGS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, AlterConfigsRequest body) {
        AlterConfigsResponseData data = new AlterConfigsResponseData();
        for (AlterConfigsResource res : body.data().resources()) {
            ApiError result = changer.change(res.resourceType(), res.resourceName(), topic -> {
                Map<String, String> overrides = new LinkedHashMap<>();
                res.configs().forEach(c -> overrides.put(c.name(), c.value()));
                return overrides;
            }, body.data().validateOnly());
            data.responses().add(new AlterConfigsResourceResponse().setResourceType(res.resourceType()).setResourceName(res.resourceName())
                    .setErrorCode(result.error().code()).setErrorMessage(result.message()));
        }
        return new AlterConfigsResponse(data);
    }
}
