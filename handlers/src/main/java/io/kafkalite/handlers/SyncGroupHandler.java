package io.kafkalite.handlers;

import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

/**
 * SyncGroup, v0-v5: followers wait for the leader's assignment; v5 checks the protocol type and name
 * (INCONSISTENT_GROUP_PROTOCOL). Errors as Kafka: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 * REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID.
 */
public final class SyncGroupHandler implements Handler<SyncGroupRequest> {
    private final GroupCoordinator groups;

    public SyncGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.SYNC_GROUP;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, SyncGroupRequest body) {
        return groups.syncGroup(body.data()).thenApply(SyncGroupResponse::new);
    }
}
