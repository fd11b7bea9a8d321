package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * JoinGroup, v0-v9: the classic rebalance protocol, run by the group coordinator
 * ({@code ClassicGroupCoordinator} documents the behaviour). The request waits until the join phase
 * completes. v4+ first answers MEMBER_ID_REQUIRED with a member id (KIP-394); v5+ static members
 * (KIP-345). Joining a KIP-848 consumer group gets INCONSISTENT_GROUP_PROTOCOL (no mixed groups yet).
 * READ on the group, else GROUP_AUTHORIZATION_FAILED, as Kafka.
 */
public final class JoinGroupHandler implements Handler<JoinGroupRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public JoinGroupHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.JOIN_GROUP;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, JoinGroupRequest body) {
        if (!authorization.allowed(request, AclOperation.READ, ResourceType.GROUP, body.data().groupId())) {
            return Authorization.refused(body, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        String host = request.context().clientAddress.toString();
        return coordinators.groups().joinGroup(body.data(), request.context().clientId(), host, body.version())
                .thenApply(data -> new JoinGroupResponse(body.version() >= 9 ? data : data.setSkipAssignment(false), body.version()));
    }
}
