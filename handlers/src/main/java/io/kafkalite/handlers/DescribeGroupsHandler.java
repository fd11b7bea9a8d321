package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeGroups, v0-v6: state, protocol and members of classic groups; member metadata and
 * assignments only once the group is Stable, as Kafka does. An unknown group is reported Dead with no
 * error, and with GROUP_ID_NOT_FOUND from v6 (KIP-1043). A KIP-848 consumer group is reported with its
 * state and protocol type "consumer" (its members come from ConsumerGroupDescribe).
 * Each group needs DESCRIBE, else it is answered GROUP_AUTHORIZATION_FAILED (those come first, as in
 * Kafka); authorized operations (v3+) are the principal's, on groups answered without error.
 */
public final class DescribeGroupsHandler implements Handler<DescribeGroupsRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public DescribeGroupsHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_GROUPS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, DescribeGroupsRequest body) {
        boolean includeOps = body.data().includeAuthorizedOperations();
        List<String> wanted = body.data().groups();
        Set<String> denied = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.GROUP, wanted, Function.identity());
        List<DescribedGroup> answers = new ArrayList<>();
        if (!denied.isEmpty()) {
            wanted = new ArrayList<>();
            for (String g : body.data().groups()) {
                if (denied.contains(g)) {
                    answers.add(DescribeGroupsResponse.groupError(g, Errors.GROUP_AUTHORIZATION_FAILED));
                } else {
                    wanted.add(g);
                }
            }
        }
        return coordinators.groups().describeGroups(wanted, body.version() >= 6).thenApply(described -> {
            described.forEach(g -> g.setAuthorizedOperations(includeOps && g.errorCode() == Errors.NONE.code()
                    ? authorization.operations(request, ResourceType.GROUP, g.groupId()) : AuthorizedOperations.OMITTED));
            answers.addAll(described);
            return new DescribeGroupsResponse(new DescribeGroupsResponseData().setGroups(answers));
        });
    }
}
