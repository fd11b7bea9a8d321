package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.Assignment;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.Member;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ConsumerGroupDescribe, v0-v1: epochs, assignor, members with their assignment and target. A classic
 * or unknown group gets GROUP_ID_NOT_FOUND (the admin client then falls back to DescribeGroups).
 * Authorization as Kafka 4.4: each group needs DESCRIBE (GROUP_AUTHORIZATION_FAILED, answered first);
 * a group whose members' assignments name a topic the principal may not DESCRIBE is answered
 * TOPIC_AUTHORIZATION_FAILED without its members (KAFKA-18813). Authorized operations are the principal's.
 */
public final class ConsumerGroupDescribeHandler implements Handler<ConsumerGroupDescribeRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public ConsumerGroupDescribeHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CONSUMER_GROUP_DESCRIBE;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ConsumerGroupDescribeRequest body) {
        boolean includeOps = body.data().includeAuthorizedOperations();
        List<String> wanted = body.data().groupIds();
        Set<String> denied = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.GROUP, wanted, Function.identity());
        List<DescribedGroup> answers = new ArrayList<>();
        if (!denied.isEmpty()) {
            wanted = new ArrayList<>();
            for (String g : body.data().groupIds()) {
                if (denied.contains(g)) {
                    answers.add(new DescribedGroup().setGroupId(g).setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
                } else {
                    wanted.add(g);
                }
            }
        }
        return coordinators.groups().consumerGroupDescribe(wanted).thenApply(described -> {
            described.forEach(g -> g.setAuthorizedOperations(includeOps && g.errorCode() == Errors.NONE.code()
                    ? authorization.operations(request, ResourceType.GROUP, g.groupId()) : AuthorizedOperations.OMITTED));
            answers.addAll(described);
            return new ConsumerGroupDescribeResponse(new ConsumerGroupDescribeResponseData()
                    .setGroups(authorization.enabled() ? withoutHiddenTopics(request, answers) : answers));
        });
    }

    /** Groups whose assignments name a topic the principal may not DESCRIBE become TOPIC_AUTHORIZATION_FAILED. */
    private List<DescribedGroup> withoutHiddenTopics(KafkaRequest request, List<DescribedGroup> answers) {
        List<String> topics = new ArrayList<>();
        answers.forEach(g -> topics.addAll(topicsOf(g)));
        Set<String> hidden = authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TOPIC, topics);
        if (hidden.isEmpty()) {
            return answers;
        }
        List<DescribedGroup> result = new ArrayList<>(answers.size());
        for (DescribedGroup g : answers) {
            result.add(topicsOf(g).stream().noneMatch(hidden::contains) ? g : new DescribedGroup().setGroupId(g.groupId())
                    .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
                    .setErrorMessage("The group has described topic(s) that the client is not authorized to describe."));
        }
        return result;
    }

    /** The topics of the members' current and target assignments. */
    private static List<String> topicsOf(DescribedGroup g) {
        List<String> topics = new ArrayList<>();
        for (Member m : g.members()) {
            for (Assignment a : List.of(m.assignment(), m.targetAssignment())) {
                a.topicPartitions().forEach(tp -> topics.add(tp.topicName()));
            }
        }
        return topics;
    }
}
