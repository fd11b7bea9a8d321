package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.logstore.LogStore;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfigCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CreateTopics, DeleteTopics, config APIs and FindCoordinator under an authorizer. */
class AdminAuthorizationTest {
    static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    static final String ALICE_NAME = "User:alice";

    final LogStore store = LogStore.inMemory(Map.of());
    final ClusterInfo cluster = new ClusterInfo(1, "cluster", "localhost", 9092);
    final DynamicBrokerConfig config = DynamicBrokerConfig.load(new BrokerConfig(Map.of("num.partitions", "3")), store.durableMap("broker_configs"));
    final FakeAuthorizer authorizer = new FakeAuthorizer();
    final Authorization authorization = new Authorization(authorizer);

    @AfterEach
    void close() {
        store.close();
    }

    CreateTopicsResponse create(String... names) throws Exception {
        CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(5000);
        for (String n : names) {
            data.topics().add(new CreatableTopic().setName(n).setNumPartitions(2).setReplicationFactor((short) 1));
        }
        return answer(new CreateTopicsHandler(store, cluster, config, authorization), request(ApiKeys.CREATE_TOPICS, data, (short) 7), ALICE);
    }

    static Map<String, Errors> errors(CreateTopicsResponse response) {
        Map<String, Errors> errors = new TreeMap<>();
        response.data().topics().forEach(r -> errors.put(r.name(), Errors.forCode(r.errorCode())));
        return errors;
    }

    @Test
    void createTopicsNeedsCreateOnTheTopic() throws Exception {
        authorizer.allow(ALICE_NAME, AclOperation.CREATE, ResourceType.TOPIC, "mine")
                .allow(ALICE_NAME, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, "mine");
        CreateTopicsResponse response = create("mine", "theirs");
        assertEquals(Map.of("mine", Errors.NONE, "theirs", Errors.TOPIC_AUTHORIZATION_FAILED), errors(response));
        assertNotNull(store.topic("mine"));
        assertNull(store.topic("theirs"));
        CreatableTopicResult mine = response.data().topics().find("mine");
        assertEquals(2, mine.numPartitions());
        assertFalse(mine.configs().isEmpty(), "DESCRIBE_CONFIGS: the configs are answered");
    }

    @Test
    void createOnTheClusterCoversEveryTopicButConfigsNeedDescribeConfigs() throws Exception {
        authorizer.allow(ALICE_NAME, AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster");
        CreateTopicsResponse response = create("any");
        CreatableTopicResult any = response.data().topics().find("any");
        assertEquals(Errors.NONE.code(), any.errorCode());
        assertNotNull(store.topic("any"));
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), any.topicConfigErrorCode());
        assertEquals(-1, any.numPartitions());
        assertTrue(any.configs().isEmpty());
        assertFalse(Uuid.ZERO_UUID.equals(any.topicId()));
    }

    @Test
    void deleteTopicsNeedsDeleteAndHidesTopicsThePrincipalMayNotDescribe() throws Exception {
        store.createTopic("mine", 1, Map.of());
        Uuid hidden = store.createTopic("hidden", 1, Map.of()).id();
        authorizer.allow(ALICE_NAME, AclOperation.DELETE, ResourceType.TOPIC, "mine").allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "mine");
        GroupCoordinator groups = new GroupCoordinator(new InlineScheduler(), GroupConfig.defaults(), store.durableMap("o"), store.durableMap("g"),
                Handlers.topicsView(store));
        DeleteTopicsRequestData data = new DeleteTopicsRequestData().setTopics(List.of(new DeleteTopicState().setName("mine").setTopicId(Uuid.ZERO_UUID),
                new DeleteTopicState().setName("ghost").setTopicId(Uuid.ZERO_UUID), new DeleteTopicState().setName(null).setTopicId(hidden)));
        DeleteTopicsResponse response = answer(new DeleteTopicsHandler(store, config.current(), io.kafkalite.groups.Coordinators.of(groups, null, store::newProducerId), authorization),
                request(ApiKeys.DELETE_TOPICS, data, (short) 6), ALICE);
        groups.close();
        assertEquals(Errors.NONE.code(), response.data().responses().find("mine").errorCode());
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), response.data().responses().find("ghost").errorCode(), "not UNKNOWN_TOPIC_OR_PARTITION");
        var byId = response.data().responses().stream().filter(r -> hidden.equals(r.topicId())).findFirst().orElseThrow();
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), byId.errorCode());
        assertNull(byId.name(), "the name of a topic the principal may not describe is not answered");
        assertNull(store.topic("mine"));
        assertNotNull(store.topic("hidden"));
    }

    @Test
    void configsNeedDescribeConfigsAndAlterConfigsOnTheTopicOrTheCluster() throws Exception {
        store.createTopic("t", 1, Map.of());
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, "t");
        DescribeConfigsRequestData describe = new DescribeConfigsRequestData().setResources(List.of(
                new DescribeConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("t"),
                new DescribeConfigsResource().setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("1")));
        DescribeConfigsResponse described = answer(new DescribeConfigsHandler(store, cluster, config, authorization),
                request(ApiKeys.DESCRIBE_CONFIGS, describe, (short) 4), ALICE);
        DescribeConfigsResult topic = described.data().results().get(0);
        DescribeConfigsResult broker = described.data().results().get(1);
        assertEquals(Errors.NONE.code(), topic.errorCode());
        assertFalse(topic.configs().isEmpty());
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), broker.errorCode());
        assertTrue(broker.configs().isEmpty());

        AlterableConfigCollection set = new AlterableConfigCollection();
        set.add(new AlterableConfig().setName("retention.ms").setValue("1000").setConfigOperation((byte) 0));
        IncrementalAlterConfigsRequestData alter = new IncrementalAlterConfigsRequestData();
        alter.resources().add(new AlterConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("t").setConfigs(set));
        IncrementalAlterConfigsHandler alterHandler = new IncrementalAlterConfigsHandler(store, config, authorization);
        IncrementalAlterConfigsResponse refused = answer(alterHandler, request(ApiKeys.INCREMENTAL_ALTER_CONFIGS, alter, (short) 1), ALICE);
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), refused.data().responses().get(0).errorCode(), "DESCRIBE_CONFIGS does not allow altering");
        assertEquals(Map.of(), store.topic("t").configs());

        authorizer.allow(ALICE_NAME, AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, "t");
        IncrementalAlterConfigsResponse altered = answer(alterHandler, request(ApiKeys.INCREMENTAL_ALTER_CONFIGS, alter, (short) 1), ALICE);
        assertEquals(Errors.NONE.code(), altered.data().responses().get(0).errorCode());
        assertEquals("1000", store.topic("t").configs().get("retention.ms"));

        // broker configs: ALTER_CONFIGS on the cluster
        AlterableConfigCollection brokerSet = new AlterableConfigCollection();
        brokerSet.add(new AlterableConfig().setName("log.retention.ms").setValue("1000").setConfigOperation((byte) 0));
        IncrementalAlterConfigsRequestData alterBroker = new IncrementalAlterConfigsRequestData();
        alterBroker.resources().add(new AlterConfigsResource().setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("")
                .setConfigs(brokerSet));
        IncrementalAlterConfigsResponse brokerRefused = answer(alterHandler, request(ApiKeys.INCREMENTAL_ALTER_CONFIGS, alterBroker, (short) 1), ALICE);
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), brokerRefused.data().responses().get(0).errorCode());
        assertEquals(Map.of(), config.clusterDefaults());
        authorizer.allow(ALICE_NAME, AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER, "kafka-cluster");
        IncrementalAlterConfigsResponse brokerAltered = answer(alterHandler, request(ApiKeys.INCREMENTAL_ALTER_CONFIGS, alterBroker, (short) 1), ALICE);
        assertEquals(Errors.NONE.code(), brokerAltered.data().responses().get(0).errorCode());
        assertEquals(Map.of("log.retention.ms", "1000"), config.clusterDefaults());
    }

    @Test
    void findCoordinatorNeedsDescribeOnTheGroupOrTransactionalId() throws Exception {
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.GROUP, "g");
        FindCoordinatorHandler handler = new FindCoordinatorHandler(cluster, authorization);
        FindCoordinatorResponse groups = answer(handler, request(ApiKeys.FIND_COORDINATOR, new FindCoordinatorRequestData()
                .setKeyType((byte) 0).setCoordinatorKeys(List.of("g", "h")), (short) 4), ALICE);
        assertEquals(Errors.NONE.code(), groups.data().coordinators().get(0).errorCode());
        assertEquals(1, groups.data().coordinators().get(0).nodeId());
        assertEquals(Errors.GROUP_AUTHORIZATION_FAILED.code(), groups.data().coordinators().get(1).errorCode());
        assertEquals(-1, groups.data().coordinators().get(1).nodeId());

        FindCoordinatorResponse txn = answer(handler, request(ApiKeys.FIND_COORDINATOR, new FindCoordinatorRequestData()
                .setKeyType((byte) 1).setKey("tx"), (short) 3), ALICE);
        assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), txn.data().errorCode());
    }
}
