package io.kafkalite.handlers;

import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;

/**
 * ConsumerGroupHeartbeat, v0-v1: the KIP-848 consumer protocol ({@code ConsumerGroupCoordinator}
 * documents the behaviour): server-side assignment with the "uniform" (default) and "range" assignors,
 * topic names or a regex (Java syntax) as subscription, static members, v1 client-generated member ids.
 * A classic group with members gets GROUP_ID_NOT_FOUND; an empty one becomes a consumer group.
 */
public final class ConsumerGroupHeartbeatHandler implements Handler<ConsumerGroupHeartbeatRequest> {
    private final GroupCoordinator groups;

    public ConsumerGroupHeartbeatHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CONSUMER_GROUP_HEARTBEAT;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ConsumerGroupHeartbeatRequest body) {
        return groups.consumerGroupHeartbeat(body.data(), request.context().clientId(), request.context().clientAddress.toString(), body.version())
                .thenApply(ConsumerGroupHeartbeatResponse::new);
    }
}
