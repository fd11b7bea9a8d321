package io.kafkalite.handlers;

import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;

/**
 * Heartbeat, v0-v4, of classic groups: keeps the member's session alive; REBALANCE_IN_PROGRESS tells
 * it to rejoin; UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION and FENCED_INSTANCE_ID as Kafka.
 */
public final class HeartbeatHandler implements Handler<HeartbeatRequest> {
    private final GroupCoordinator groups;

    public HeartbeatHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.HEARTBEAT;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, HeartbeatRequest body) {
        return groups.heartbeat(body.data()).thenApply(error -> new HeartbeatResponse(new HeartbeatResponseData().setErrorCode(error.code())));
    }
}
