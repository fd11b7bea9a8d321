package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * OffsetDelete, v0 (KIP-496): deletes a group's committed offsets of some partitions.
 * GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP for an active group of another protocol
 * type, GROUP_SUBSCRIBED_TO_TOPIC per partition while active members subscribe to the topic.
 * Authorization as Kafka: DELETE on the group (GROUP_AUTHORIZATION_FAILED for the request), READ on each topic
 * (TOPIC_AUTHORIZATION_FAILED for its partitions, which are left alone).
 */
public final class OffsetDeleteHandler implements Handler<OffsetDeleteRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public OffsetDeleteHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_DELETE;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, OffsetDeleteRequest body) {
        if (!authorization.allowed(request, AclOperation.DELETE, ResourceType.GROUP, body.data().groupId())) {
            return Authorization.refused(body, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        Set<String> denied = authorization.denied(request, AclOperation.READ, ResourceType.TOPIC, body.data().topics(), OffsetDeleteRequestTopic::name);
        List<TopicPartition> partitions = new ArrayList<>();
        for (OffsetDeleteRequestTopic t : body.data().topics()) {
            if (denied.contains(t.name())) {
                continue;
            }
            for (OffsetDeleteRequestPartition p : t.partitions()) {
                partitions.add(new TopicPartition(t.name(), p.partitionIndex()));
            }
        }
        return coordinators.groups().deleteOffsets(body.data().groupId(), partitions).thenApply(result -> {
            OffsetDeleteResponseData data = new OffsetDeleteResponseData();
            if (result instanceof Errors error) {
                return new OffsetDeleteResponse(data.setErrorCode(error.code()));
            }
            @SuppressWarnings("unchecked")
            Map<TopicPartition, Errors> errors = (Map<TopicPartition, Errors>) result;
            for (OffsetDeleteRequestTopic t : body.data().topics()) {
                OffsetDeleteResponseTopic rt = new OffsetDeleteResponseTopic().setName(t.name());
                for (OffsetDeleteRequestPartition p : t.partitions()) {
                    Errors e = denied.contains(t.name()) ? Errors.TOPIC_AUTHORIZATION_FAILED : errors.get(new TopicPartition(t.name(), p.partitionIndex()));
                    rt.partitions().add(new OffsetDeleteResponsePartition().setPartitionIndex(p.partitionIndex()).setErrorCode(e.code()));
                }
                data.topics().add(rt);
            }
            return new OffsetDeleteResponse(data.setErrorCode(Errors.NONE.code()));
        });
    }
}
