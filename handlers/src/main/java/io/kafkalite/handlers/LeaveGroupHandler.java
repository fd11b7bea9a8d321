package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * LeaveGroup, v0-v5: v3+ removes several members at once, static members by instance id (KIP-345),
 * with one result per member; v0-v2 answer the single member's error at the top level.
 * READ on the group, else GROUP_AUTHORIZATION_FAILED, as Kafka.
 */
public final class LeaveGroupHandler implements Handler<LeaveGroupRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public LeaveGroupHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LEAVE_GROUP;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, LeaveGroupRequest body) {
        if (!authorization.allowed(request, AclOperation.READ, ResourceType.GROUP, body.data().groupId())) {
            return Authorization.refused(body, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        return coordinators.groups().leaveGroup(body.data().groupId(), body.members()).thenApply(data -> {
            if (body.version() >= 3) {
                return new LeaveGroupResponse(data, body.version());
            }
            short error = data.errorCode() != Errors.NONE.code() || data.members().isEmpty() ? data.errorCode() : data.members().get(0).errorCode();
            return new LeaveGroupResponse(new LeaveGroupResponseData().setErrorCode(error), body.version());
        });
    }
}
