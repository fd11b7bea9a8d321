package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ListGroups, v0-v5: every classic and consumer group, filtered by state (v4+, KIP-518) and type (v5+, KIP-848).
 * A principal that may DESCRIBE the cluster sees every group; otherwise only the groups it may DESCRIBE,
 * as Kafka (asked in one authorizer call).
 */
public final class ListGroupsHandler implements Handler<ListGroupsRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public ListGroupsHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_GROUPS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ListGroupsRequest body) {
        boolean all = !authorization.enabled() || authorization.allowedOnCluster(request, AclOperation.DESCRIBE, false);
        if (!coordinators.isActive()) { // a cluster broker that coordinates nothing now lists no groups, as a Kafka broker does
            return CompletableFuture.completedFuture(new ListGroupsResponse(new ListGroupsResponseData().setErrorCode(Errors.NONE.code())));
        }
        return coordinators.groups().listGroups(new HashSet<>(body.data().statesFilter()), new HashSet<>(body.data().typesFilter())).thenApply(list -> {
            if (!all) {
                Set<String> hidden = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.GROUP, list, ListedGroup::groupId, false);
                list.removeIf(g -> hidden.contains(g.groupId()));
            }
            return new ListGroupsResponse(new ListGroupsResponseData().setErrorCode(Errors.NONE.code()).setGroups(list));
        });
    }
}
