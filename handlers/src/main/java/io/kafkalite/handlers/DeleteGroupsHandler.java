package io.kafkalite.handlers;

import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;

/** DeleteGroups, v0-v3: deletes empty groups and their offsets; NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND when unknown. */
public final class DeleteGroupsHandler implements Handler<DeleteGroupsRequest> {
    private final GroupCoordinator groups;

    public DeleteGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_GROUPS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, DeleteGroupsRequest body) {
        return groups.deleteGroups(body.data().groupsNames()).thenApply(results -> {
            DeletableGroupResultCollection collection = new DeletableGroupResultCollection();
            results.forEach(collection::add);
            return new DeleteGroupsResponse(new DeleteGroupsResponseData().setResults(collection));
        });
    }
}
