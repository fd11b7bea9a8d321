package io.kafkalite.handlers;

import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;

/** ListGroups, v0-v5: every classic and consumer group, filtered by state (v4+, KIP-518) and type (v5+, KIP-848). */
public final class ListGroupsHandler implements Handler<ListGroupsRequest> {
    private final GroupCoordinator groups;

    public ListGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_GROUPS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ListGroupsRequest body) {
        return groups.listGroups(new HashSet<>(body.data().statesFilter()), new HashSet<>(body.data().typesFilter()))
                .thenApply(list -> new ListGroupsResponse(new ListGroupsResponseData().setErrorCode(Errors.NONE.code()).setGroups(list)));
    }
}
