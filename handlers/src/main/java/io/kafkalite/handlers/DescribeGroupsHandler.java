package io.kafkalite.handlers;

import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;

/**
 * DescribeGroups, v0-v6: state, protocol and members of classic groups; member metadata and
 * assignments only once the group is Stable, as Kafka does. An unknown group is reported Dead with no
 * error, and with GROUP_ID_NOT_FOUND from v6 (KIP-1043). A KIP-848 consumer group is reported with its
 * state and protocol type "consumer" (its members come from ConsumerGroupDescribe).
 */
public final class DescribeGroupsHandler implements Handler<DescribeGroupsRequest> {
    private final GroupCoordinator groups;

    public DescribeGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_GROUPS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, DescribeGroupsRequest body) {
        boolean includeOps = body.data().includeAuthorizedOperations();
        return groups.describeGroups(body.data().groups(), body.version() >= 6).thenApply(described -> {
            described.forEach(g -> g.setAuthorizedOperations(includeOps ? AuthorizedOperations.GROUP : AuthorizedOperations.OMITTED));
            return new DescribeGroupsResponse(new DescribeGroupsResponseData().setGroups(described));
        });
    }
}
