package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DeleteGroups, v0-v3: deletes empty groups and their offsets; NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND when unknown.
 * Each group needs DELETE, else GROUP_AUTHORIZATION_FAILED (answered after the others, as Kafka).
 */
public final class DeleteGroupsHandler implements Handler<DeleteGroupsRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public DeleteGroupsHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_GROUPS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, DeleteGroupsRequest body) {
        List<String> wanted = body.data().groupsNames();
        Set<String> denied = authorization.denied(request, AclOperation.DELETE, ResourceType.GROUP, wanted, Function.identity());
        List<String> allowed = denied.isEmpty() ? wanted : wanted.stream().filter(g -> !denied.contains(g)).toList();
        return coordinators.groups().deleteGroups(allowed).thenApply(results -> {
            DeletableGroupResultCollection collection = new DeletableGroupResultCollection();
            results.forEach(collection::add);
            wanted.stream().filter(denied::contains).distinct().forEach(g -> collection.add(new DeletableGroupResult().setGroupId(g)
                    .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())));
            return new DeleteGroupsResponse(new DeleteGroupsResponseData().setResults(collection));
        });
    }
}
