package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * SyncGroup, v0-v5: followers wait for the leader's assignment; v5 checks the protocol type and name
 * (INCONSISTENT_GROUP_PROTOCOL). Errors as Kafka: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 * REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID.
 * READ on the group, else GROUP_AUTHORIZATION_FAILED, as Kafka.
 */
public final class SyncGroupHandler implements Handler<SyncGroupRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public SyncGroupHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.SYNC_GROUP;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, SyncGroupRequest body) {
        if (!authorization.allowed(request, AclOperation.READ, ResourceType.GROUP, body.data().groupId())) {
            return Authorization.refused(body, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        return coordinators.groups().syncGroup(body.data()).thenApply(SyncGroupResponse::new);
    }
}
