package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Metadata (and DescribeCluster's authorized operations) under an authorizer. */
class MetadataAuthorizationTest {
    static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    static final String ALICE_NAME = "User:alice";

    final LogStore store = LogStore.inMemory(Map.of());
    final FakeAuthorizer authorizer = new FakeAuthorizer();
    final ClusterInfo cluster = new ClusterInfo(1, "cluster", "localhost", 9092);
    final MetadataHandler handler = new MetadataHandler(store, cluster, new BrokerConfig(Map.of("num.partitions", "2")),
            new Authorization(authorizer));
    Topic orders;

    @BeforeEach
    void topics() throws Exception {
        orders = store.createTopic("orders", 1, Map.of());
        store.createTopic("payments", 1, Map.of());
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "orders");
    }

    @AfterEach
    void close() {
        store.close();
    }

    static MetadataRequest byName(boolean autoCreate, String... names) {
        MetadataRequestData data = new MetadataRequestData().setAllowAutoTopicCreation(autoCreate)
                .setTopics(java.util.Arrays.stream(names).map(n -> new MetadataRequestTopic().setName(n)).toList());
        return request(ApiKeys.METADATA, data, (short) 12);
    }

    static Map<String, Errors> errors(MetadataResponse response) {
        Map<String, Errors> errors = new HashMap<>();
        response.data().topics().forEach(t -> errors.put(t.name(), Errors.forCode(t.errorCode())));
        return errors;
    }

    @Test
    void allTopicsLeavesOutTopicsThePrincipalMayNotDescribe() throws Exception {
        MetadataResponse response = answer(handler, request(ApiKeys.METADATA, new MetadataRequestData().setTopics(null), (short) 12), ALICE);
        assertEquals(Map.of("orders", Errors.NONE), errors(response));
        assertEquals(false, authorizer.calls.get(0).get(0).logIfDenied(), "an all-topics listing is not an attempt on each topic");
    }

    @Test
    void aTopicAskedForByNameIsRefusedWithoutSayingWhetherItExists() throws Exception {
        MetadataResponse response = answer(handler, byName(false, "orders", "payments", "ghost"), ALICE);
        assertEquals(Map.of("orders", Errors.NONE, "payments", Errors.TOPIC_AUTHORIZATION_FAILED, "ghost", Errors.TOPIC_AUTHORIZATION_FAILED),
                errors(response));
        MetadataResponseTopic payments = response.data().topics().find("payments");
        assertEquals(Uuid.ZERO_UUID, payments.topicId());
        assertEquals(0, payments.partitions().size());
    }

    @Test
    void aTopicAskedForByIdIsRefusedWithItsIdButWithoutItsName() throws Exception {
        Uuid paymentsId = store.topic("payments").id();
        MetadataRequestData data = new MetadataRequestData().setTopics(List.of(new MetadataRequestTopic().setTopicId(paymentsId).setName(null),
                new MetadataRequestTopic().setTopicId(orders.id()).setName(null)));
        MetadataResponse response = answer(handler, request(ApiKeys.METADATA, data, (short) 12), ALICE);
        MetadataResponseTopic refused = response.data().topics().stream().filter(t -> t.topicId().equals(paymentsId)).findFirst().orElseThrow();
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), refused.errorCode());
        assertNull(refused.name());
        assertEquals(1, response.data().topics().stream().filter(t -> "orders".equals(t.name()) && t.errorCode() == 0).count());
    }

    @Test
    void autoCreationNeedsCreateOnTheClusterOrTheTopic() throws Exception {
        // given: alice may describe both new names, create only "fresh"
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "fresh")
                .allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "refused")
                .allow(ALICE_NAME, AclOperation.CREATE, ResourceType.TOPIC, "fresh");
        // when
        MetadataResponse response = answer(handler, byName(true, "fresh", "refused"), ALICE);
        // then
        assertEquals(Map.of("fresh", Errors.NONE, "refused", Errors.TOPIC_AUTHORIZATION_FAILED), errors(response));
        assertNotNull(store.topic("fresh"));
        assertEquals(2, response.data().topics().find("fresh").partitions().size());
        assertNull(store.topic("refused"), "nothing is created without CREATE");

        // when: CREATE on the cluster covers every topic
        authorizer.allow(ALICE_NAME, AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster");
        MetadataResponse again = answer(handler, byName(true, "refused"), ALICE);
        // then
        assertEquals(Map.of("refused", Errors.NONE), errors(again));
        assertNotNull(store.topic("refused"));
    }

    @Test
    void withoutAutoCreationAnUnknownDescribableTopicIsUnknown() throws Exception {
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TOPIC, "fresh");
        MetadataResponse response = answer(handler, byName(false, "fresh"), ALICE);
        assertEquals(Map.of("fresh", Errors.UNKNOWN_TOPIC_OR_PARTITION), errors(response));
    }

    @Test
    void authorizedOperationsAreThePrincipals() throws Exception {
        // given: alice may also write orders; on the cluster she may describe and create
        authorizer.allow(ALICE_NAME, AclOperation.WRITE, ResourceType.TOPIC, "orders")
                .allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.CLUSTER, "kafka-cluster")
                .allow(ALICE_NAME, AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster");
        MetadataRequestData data = new MetadataRequestData().setTopics(List.of(new MetadataRequestTopic().setName("orders")))
                .setIncludeTopicAuthorizedOperations(true).setIncludeClusterAuthorizedOperations(true);
        // when
        MetadataResponse response = answer(handler, request(ApiKeys.METADATA, data, (short) 10), ALICE);
        // then
        assertEquals(Set.of(AclOperation.DESCRIBE, AclOperation.WRITE), ops(response.data().topics().find("orders").topicAuthorizedOperations()));
        assertEquals(Set.of(AclOperation.DESCRIBE, AclOperation.CREATE), ops(response.data().clusterAuthorizedOperations()));
    }

    @Test
    void clusterOperationsAreZeroWithoutDescribeOnTheCluster() throws Exception {
        authorizer.allow(ALICE_NAME, AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster");
        DescribeClusterHandler describe = new DescribeClusterHandler(cluster, new Authorization(authorizer));
        DescribeClusterResponse response = answer(describe, request(ApiKeys.DESCRIBE_CLUSTER,
                new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true), (short) 1), ALICE);
        assertEquals(Errors.NONE.code(), response.data().errorCode(), "anyone may describe the cluster");
        assertEquals(0, response.data().clusterAuthorizedOperations());

        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.CLUSTER, "kafka-cluster");
        DescribeClusterResponse allowed = answer(describe, request(ApiKeys.DESCRIBE_CLUSTER,
                new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true), (short) 1), ALICE);
        assertEquals(Set.of(AclOperation.DESCRIBE, AclOperation.CREATE), ops(allowed.data().clusterAuthorizedOperations()));
    }

    static Set<AclOperation> ops(int bits) {
        return Utils.from32BitField(bits).stream().map(AclOperation::fromCode).collect(Collectors.toSet());
    }
}
