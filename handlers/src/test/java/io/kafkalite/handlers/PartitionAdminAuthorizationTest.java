package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.LogStore;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.ListPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** OffsetForLeaderEpoch, DescribeTopicPartitions, ElectLeaders and the reassignment APIs under an authorizer. */
class PartitionAdminAuthorizationTest {
    static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    static final String ALICE_NAME = "User:alice";

    final LogStore store = LogStore.inMemory(Map.of());
    final ClusterInfo cluster = new ClusterInfo(1, "cluster", "localhost", 9092);
    final FakeAuthorizer authorizer = new FakeAuthorizer();
    final Authorization authorization = new Authorization(authorizer);

    @AfterEach
    void close() {
        store.close();
    }

    OffsetsForLeaderEpochResponse endOffsets() throws Exception {
        OffsetForLeaderEpochRequestData data = new OffsetForLeaderEpochRequestData().setReplicaId(-1);
        for (String name : List.of("mine", "theirs")) {
            OffsetForLeaderTopic t = new OffsetForLeaderTopic().setTopic(name);
            t.partitions().add(new OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0));
            data.topics().add(t);
        }
        return answer(new OffsetForLeaderEpochHandler(store, authorization), request(ApiKeys.OFFSET_FOR_LEADER_EPOCH, data, (short) 4), ALICE);
    }

    @Test
    void offsetForLeaderEpochNeedsDescribeOnTheTopicOrClusterAction() throws Exception {
        store.createTopic("mine", 1, Map.of());
        store.createTopic("theirs", 1, Map.of());
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "mine");
        OffsetsForLeaderEpochResponse topicOnly = endOffsets();
        assertEquals(Errors.NONE.code(), topicOnly.data().topics().find("mine").partitions().get(0).errorCode());
        assertEquals(0, topicOnly.data().topics().find("mine").partitions().get(0).endOffset());
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), topicOnly.data().topics().find("theirs").partitions().get(0).errorCode());

        authorizer.allow(ALICE_NAME, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, Authorization.CLUSTER_NAME);
        assertEquals(Errors.NONE.code(), endOffsets().data().topics().find("theirs").partitions().get(0).errorCode(), "a follower may ask for any topic");
    }

    @Test
    void describeTopicPartitionsRefusesNamedTopicsLastAndHidesThemFromAllTopics() throws Exception {
        store.createTopic("mine", 2, Map.of());
        store.createTopic("theirs", 2, Map.of());
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "mine");
        DescribeTopicPartitionsHandler handler = new DescribeTopicPartitionsHandler(store, cluster, new BrokerConfig(Map.of()), authorization);
        DescribeTopicPartitionsRequestData named = new DescribeTopicPartitionsRequestData();
        named.topics().add(new DescribeTopicPartitionsRequestData.TopicRequest().setName("theirs"));
        named.topics().add(new DescribeTopicPartitionsRequestData.TopicRequest().setName("mine"));
        DescribeTopicPartitionsResponse r = answer(handler, request(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, named, (short) 0), ALICE);
        List<DescribeTopicPartitionsResponseTopic> topics = List.copyOf(r.data().topics());
        assertEquals(List.of("mine", "theirs"), topics.stream().map(DescribeTopicPartitionsResponseTopic::name).toList());
        assertEquals(2, topics.get(0).partitions().size());
        assertTrue((topics.get(0).topicAuthorizedOperations() & (1 << AclOperation.DESCRIBE.code())) != 0);
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), topics.get(1).errorCode());
        assertEquals(Uuid.ZERO_UUID, topics.get(1).topicId(), "a refused topic's id stays unsaid");

        DescribeTopicPartitionsResponse all = answer(handler, request(ApiKeys.DESCRIBE_TOPIC_PARTITIONS,
                new DescribeTopicPartitionsRequestData(), (short) 0), ALICE);
        assertEquals(List.of("mine"), all.data().topics().stream().map(DescribeTopicPartitionsResponseTopic::name).toList());
    }

    @Test
    void electionsAndReassignmentsNeedAlterOnTheClusterAndListingDescribe() throws Exception {
        assertRefused(new ElectLeadersHandler(store, authorization), request(ApiKeys.ELECT_LEADERS,
                new ElectLeadersRequestData().setTopicPartitions(null), (short) 2));
        assertRefused(new AlterPartitionReassignmentsHandler(store, cluster, authorization), request(ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
                new AlterPartitionReassignmentsRequestData(), (short) 1));
        assertRefused(new ListPartitionReassignmentsHandler(authorization), request(ApiKeys.LIST_PARTITION_REASSIGNMENTS,
                new ListPartitionReassignmentsRequestData(), (short) 0));
        // DESCRIBE on the cluster lists, but does not alter
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.CLUSTER, Authorization.CLUSTER_NAME);
        assertRefused(new AlterPartitionReassignmentsHandler(store, cluster, authorization), request(ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
                new AlterPartitionReassignmentsRequestData(), (short) 1));
        ListPartitionReassignmentsResponse listed = answer(new ListPartitionReassignmentsHandler(authorization),
                request(ApiKeys.LIST_PARTITION_REASSIGNMENTS, new ListPartitionReassignmentsRequestData(), (short) 0), ALICE);
        assertEquals(Errors.NONE.code(), listed.data().errorCode());
        assertTrue(listed.data().topics().isEmpty());
    }

    private static <T extends AbstractRequest> void assertRefused(Handler<T> handler, T body) {
        // a whole-request ClusterAuthorizationException, which the registry turns into the request's error response
        assertThrows(ClusterAuthorizationException.class, () -> handler.handle(HandlerCalls.context(body, ALICE), body));
    }
}
