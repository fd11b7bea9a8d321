package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.logstore.LogStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Group APIs under an authorizer: READ/DESCRIBE/DELETE on the group, topic checks inside them, ListGroups filtering. */
class GroupAuthorizationTest {
    static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    static final String ALICE_NAME = "User:alice";

    final LogStore store = LogStore.inMemory(Map.of());
    final GroupCoordinator groups = new GroupCoordinator(new InlineScheduler(), GroupConfig.defaults(), store.durableMap("offsets"),
            store.durableMap("groups"), Handlers.topicsView(store));
    final io.kafkalite.groups.Coordinators coordinators = io.kafkalite.groups.Coordinators.of(groups, null, store::newProducerId);
    final FakeAuthorizer authorizer = new FakeAuthorizer();
    final Authorization authorization = new Authorization(authorizer);

    @BeforeEach
    void topics() throws Exception {
        store.createTopic("orders", 1, Map.of());
        store.createTopic("payments", 1, Map.of());
    }

    @AfterEach
    void close() {
        groups.close();
        store.close();
    }

    static OffsetCommitRequest commit(String group, String... topics) {
        List<OffsetCommitRequestTopic> ts = java.util.Arrays.stream(topics).map(t -> new OffsetCommitRequestTopic().setName(t)
                .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)))).toList();
        return request(ApiKeys.OFFSET_COMMIT, new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(ts), (short) 8);
    }

    /** Groups with committed offsets, made without authorization. */
    void groupsExist(String... ids) throws Exception {
        OffsetCommitHandler admin = new OffsetCommitHandler(store, coordinators, Authorization.NONE);
        for (String id : ids) {
            OffsetCommitResponse r = answer(admin, commit(id, "orders", "payments"));
            assertEquals(Errors.NONE.code(), r.data().topics().get(0).partitions().get(0).errorCode());
        }
    }

    @Test
    void joinGroupNeedsReadOnTheGroup() throws Exception {
        JoinGroupHandler handler = new JoinGroupHandler(coordinators, authorization);
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId("g").setMemberId("").setProtocolType("consumer")
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocols(protocols);
        JoinGroupResponse response = answer(handler, request(ApiKeys.JOIN_GROUP, data, (short) 5), ALICE);
        assertEquals(Errors.GROUP_AUTHORIZATION_FAILED.code(), response.data().errorCode());
        assertEquals(List.of(), groups.listGroups(Set.of(), Set.of()).join(), "the group was not created");
    }

    @Test
    void offsetCommitNeedsReadOnTheGroupAndOnEachTopic() throws Exception {
        OffsetCommitHandler handler = new OffsetCommitHandler(store, coordinators, authorization);
        // without READ on the group: the whole request
        OffsetCommitResponse refused = answer(handler, commit("g", "orders"), ALICE);
        assertEquals(Errors.GROUP_AUTHORIZATION_FAILED.code(), refused.data().topics().get(0).partitions().get(0).errorCode());
        // with READ on the group and on orders only
        authorizer.allow(ALICE_NAME, AclOperation.READ, ResourceType.GROUP, "g").allow(ALICE_NAME, AclOperation.READ, ResourceType.TOPIC, "orders");
        OffsetCommitResponse response = answer(handler, commit("g", "orders", "payments"), ALICE);
        assertEquals(Errors.NONE.code(), response.data().topics().get(0).partitions().get(0).errorCode());
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), response.data().topics().get(1).partitions().get(0).errorCode());
        Map<?, ?> committed = (Map<?, ?>) groups.fetchOffsets(List.of(new GroupCoordinator.OffsetRequest("g", null, -1, null, false)))
                .join().get("g");
        assertEquals(1, committed.size(), "only the readable topic's offset was committed");
    }

    @Test
    void offsetFetchNeedsDescribeOnTheGroupAndHidesTopicsThePrincipalMayNotDescribe() throws Exception {
        groupsExist("g", "other");
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.GROUP, "g").allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "orders");
        OffsetFetchHandler handler = new OffsetFetchHandler(store, coordinators, authorization);
        OffsetFetchRequestData all = new OffsetFetchRequestData().setGroups(List.of(
                new OffsetFetchRequestGroup().setGroupId("g").setTopics(null),
                new OffsetFetchRequestGroup().setGroupId("other").setTopics(null)));
        List<OffsetFetchResponseGroup> answers = ((OffsetFetchResponse) answer(handler, request(ApiKeys.OFFSET_FETCH, all, (short) 8), ALICE))
                .data().groups();
        assertEquals(List.of("orders"), answers.get(0).topics().stream().map(t -> t.name()).toList(), "all partitions: only describable topics");
        assertEquals(Errors.GROUP_AUTHORIZATION_FAILED.code(), answers.get(1).errorCode());

        OffsetFetchRequestData named = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestGroup().setGroupId("g")
                .setTopics(List.of(new OffsetFetchRequestTopics().setName("orders").setPartitionIndexes(List.of(0)),
                        new OffsetFetchRequestTopics().setName("payments").setPartitionIndexes(List.of(0))))));
        OffsetFetchResponseGroup g = ((OffsetFetchResponse) answer(handler, request(ApiKeys.OFFSET_FETCH, named, (short) 8), ALICE))
                .data().groups().get(0);
        assertEquals(5, g.topics().get(0).partitions().get(0).committedOffset());
        var hidden = g.topics().get(1).partitions().get(0);
        assertEquals("payments", g.topics().get(1).name());
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), hidden.errorCode());
        assertEquals(-1, hidden.committedOffset());
    }

    @Test
    void listGroupsShowsAllWithDescribeOnTheClusterElseOnlyDescribableGroups() throws Exception {
        groupsExist("g1", "g2", "g3");
        ListGroupsHandler handler = new ListGroupsHandler(coordinators, authorization);
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.GROUP, "g2");
        ListGroupsResponse some = answer(handler, request(ApiKeys.LIST_GROUPS, new ListGroupsRequestData(), (short) 4), ALICE);
        assertEquals(List.of("g2"), some.data().groups().stream().map(ListedGroup::groupId).toList());
        assertEquals(Errors.NONE.code(), some.data().errorCode());

        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.CLUSTER, "kafka-cluster");
        ListGroupsResponse all = answer(handler, request(ApiKeys.LIST_GROUPS, new ListGroupsRequestData(), (short) 4), ALICE);
        assertEquals(Set.of("g1", "g2", "g3"), Set.copyOf(all.data().groups().stream().map(ListedGroup::groupId).toList()));
    }

    @Test
    void describeGroupsNeedsDescribeAndAnswersThePrincipalsOperations() throws Exception {
        groupsExist("g1", "g2");
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.GROUP, "g1").allow(ALICE_NAME, AclOperation.DELETE, ResourceType.GROUP, "g1");
        DescribeGroupsHandler handler = new DescribeGroupsHandler(coordinators, authorization);
        DescribeGroupsResponse response = answer(handler, request(ApiKeys.DESCRIBE_GROUPS, new DescribeGroupsRequestData()
                .setGroups(List.of("g1", "g2")).setIncludeAuthorizedOperations(true), (short) 5), ALICE);
        Map<String, Short> errors = new HashMap<>();
        response.data().groups().forEach(g -> errors.put(g.groupId(), g.errorCode()));
        assertEquals(Map.of("g1", Errors.NONE.code(), "g2", Errors.GROUP_AUTHORIZATION_FAILED.code()), errors);
        var g1 = response.data().groups().stream().filter(g -> g.groupId().equals("g1")).findFirst().orElseThrow();
        assertEquals(Set.of(AclOperation.DESCRIBE, AclOperation.DELETE), MetadataAuthorizationTest.ops(g1.authorizedOperations()));
    }

    @Test
    void deleteGroupsNeedsDeleteOnEachGroup() throws Exception {
        groupsExist("g1", "g2");
        authorizer.allow(ALICE_NAME, AclOperation.DELETE, ResourceType.GROUP, "g1");
        DeleteGroupsHandler handler = new DeleteGroupsHandler(coordinators, authorization);
        DeleteGroupsResponse response = answer(handler, request(ApiKeys.DELETE_GROUPS, new DeleteGroupsRequestData()
                .setGroupsNames(List.of("g1", "g2")), (short) 2), ALICE);
        assertEquals(Map.of("g1", Errors.NONE, "g2", Errors.GROUP_AUTHORIZATION_FAILED), response.errors());
        assertEquals(List.of("g2"), groups.listGroups(Set.of(), Set.of()).join().stream().map(ListedGroup::groupId).toList());
    }

    @Test
    void consumerGroupHeartbeatNeedsReadOnTheGroupAndDescribeOnEachSubscribedTopic() throws Exception {
        ConsumerGroupHeartbeatHandler handler = new ConsumerGroupHeartbeatHandler(coordinators, authorization);
        ConsumerGroupHeartbeatRequestData data = new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(Uuid.randomUuid().toString())
                .setMemberEpoch(0).setRebalanceTimeoutMs(10_000).setSubscribedTopicNames(List.of("orders", "payments")).setTopicPartitions(List.of());
        ConsumerGroupHeartbeatResponse noGroup = answer(handler, request(ApiKeys.CONSUMER_GROUP_HEARTBEAT, data, (short) 1), ALICE);
        assertEquals(Errors.GROUP_AUTHORIZATION_FAILED.code(), noGroup.data().errorCode());

        authorizer.allow(ALICE_NAME, AclOperation.READ, ResourceType.GROUP, "g").allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "orders");
        ConsumerGroupHeartbeatResponse noTopic = answer(handler, request(ApiKeys.CONSUMER_GROUP_HEARTBEAT, data, (short) 1), ALICE);
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), noTopic.data().errorCode());
        assertEquals(List.of(), groups.listGroups(Set.of(), Set.of()).join(), "the member did not join");

        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "payments");
        ConsumerGroupHeartbeatResponse joined = answer(handler, request(ApiKeys.CONSUMER_GROUP_HEARTBEAT, data, (short) 1), ALICE);
        assertEquals(Errors.NONE.code(), joined.data().errorCode());
    }

    @Test
    void consumerGroupDescribeHidesGroupsWhoseAssignmentsNameTopicsThePrincipalMayNotDescribe() throws Exception {
        // given: a consumer group assigned both topics, joined without authorization
        ConsumerGroupHeartbeatRequestData join = new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(Uuid.randomUuid().toString())
                .setMemberEpoch(0).setRebalanceTimeoutMs(10_000).setSubscribedTopicNames(List.of("orders", "payments")).setTopicPartitions(List.of());
        answer(new ConsumerGroupHeartbeatHandler(coordinators, Authorization.NONE), request(ApiKeys.CONSUMER_GROUP_HEARTBEAT, join, (short) 1));
        ConsumerGroupDescribeHandler handler = new ConsumerGroupDescribeHandler(coordinators, authorization);
        ConsumerGroupDescribeRequestData describe = new ConsumerGroupDescribeRequestData().setGroupIds(List.of("g", "h"))
                .setIncludeAuthorizedOperations(true);
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.GROUP, "g").allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "orders");
        // when: alice may describe the group but only one of its topics
        ConsumerGroupDescribeResponse hidden = answer(handler, request(ApiKeys.CONSUMER_GROUP_DESCRIBE, describe, (short) 0), ALICE);
        // then
        var g = hidden.data().groups().stream().filter(x -> x.groupId().equals("g")).findFirst().orElseThrow();
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), g.errorCode());
        assertEquals(List.of(), g.members());
        var h = hidden.data().groups().stream().filter(x -> x.groupId().equals("h")).findFirst().orElseThrow();
        assertEquals(Errors.GROUP_AUTHORIZATION_FAILED.code(), h.errorCode());

        // when: she may describe both topics
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "payments");
        ConsumerGroupDescribeResponse shown = answer(handler, request(ApiKeys.CONSUMER_GROUP_DESCRIBE, describe, (short) 0), ALICE);
        var described = shown.data().groups().stream().filter(x -> x.groupId().equals("g")).findFirst().orElseThrow();
        assertEquals(Errors.NONE.code(), described.errorCode());
        assertEquals(1, described.members().size());
        assertEquals(Set.of(AclOperation.DESCRIBE), MetadataAuthorizationTest.ops(described.authorizedOperations()));
    }
}
