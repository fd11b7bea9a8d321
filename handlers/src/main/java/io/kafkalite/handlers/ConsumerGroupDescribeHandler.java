package io.kafkalite.handlers;

import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;

/**
 * ConsumerGroupDescribe, v0-v1: epochs, assignor, members with their assignment and target. A classic
 * or unknown group gets GROUP_ID_NOT_FOUND (the admin client then falls back to DescribeGroups).
 */
public final class ConsumerGroupDescribeHandler implements Handler<ConsumerGroupDescribeRequest> {
    private final GroupCoordinator groups;

    public ConsumerGroupDescribeHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CONSUMER_GROUP_DESCRIBE;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ConsumerGroupDescribeRequest body) {
        boolean includeOps = body.data().includeAuthorizedOperations();
        return groups.consumerGroupDescribe(body.data().groupIds()).thenApply(described -> {
            described.forEach(g -> g.setAuthorizedOperations(includeOps ? AuthorizedOperations.GROUP : AuthorizedOperations.OMITTED));
            return new ConsumerGroupDescribeResponse(new ConsumerGroupDescribeResponseData().setGroups(described));
        });
    }
}
