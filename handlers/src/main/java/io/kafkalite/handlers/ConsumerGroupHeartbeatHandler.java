package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ConsumerGroupHeartbeat, v0-v1: the KIP-848 consumer protocol ({@code ConsumerGroupCoordinator}
 * documents the behaviour): server-side assignment with the "uniform" (default) and "range" assignors,
 * topic names or a regex (Java syntax) as subscription, static members, v1 client-generated member ids.
 * A classic group with members gets GROUP_ID_NOT_FOUND; an empty one becomes a consumer group.
 * Authorization as Kafka 4.4: READ on the group (GROUP_AUTHORIZATION_FAILED); a subscription by names needs
 * DESCRIBE on each topic, else the heartbeat is answered TOPIC_AUTHORIZATION_FAILED.
 */
public final class ConsumerGroupHeartbeatHandler implements Handler<ConsumerGroupHeartbeatRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public ConsumerGroupHeartbeatHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CONSUMER_GROUP_HEARTBEAT;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ConsumerGroupHeartbeatRequest body) {
        if (authorization.enabled()) {
            if (!authorization.allowed(request, AclOperation.READ, ResourceType.GROUP, body.data().groupId())) {
                return Authorization.refused(body, Errors.GROUP_AUTHORIZATION_FAILED);
            }
            List<String> subscribed = body.data().subscribedTopicNames();
            if (subscribed != null && !subscribed.isEmpty()
                    && !authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TOPIC, subscribed).isEmpty()) {
                return CompletableFuture.completedFuture(new ConsumerGroupHeartbeatResponse(new ConsumerGroupHeartbeatResponseData()
                        .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
            }
        }
        return coordinators.groups().consumerGroupHeartbeat(body.data(), request.context().clientId(), request.context().clientAddress.toString(), body.version())
                .thenApply(ConsumerGroupHeartbeatResponse::new);
    }
}
