package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TransactionConfig;
import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.logstore.LogStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData.TransactionState;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** InitProducerId and the transactional APIs under an authorizer. */
class TransactionAuthorizationTest {
    static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    static final String ALICE_NAME = "User:alice";

    final LogStore store = LogStore.inMemory(Map.of());
    final GroupCoordinator groups = new GroupCoordinator(new InlineScheduler(), GroupConfig.defaults(), store.durableMap("offsets"),
            store.durableMap("groups"), Handlers.topicsView(store));
    final TransactionCoordinator transactions = new TransactionCoordinator(new InlineScheduler(), TransactionConfig.from(Map.of()),
            store.durableMap("transactions"), store::newProducerId, (pid, epoch, coordinatorEpoch, commit, partitions) ->
            CompletableFuture.completedFuture(Set.of()), groups);
    final io.kafkalite.groups.Coordinators coordinators = io.kafkalite.groups.Coordinators.of(groups, transactions, store::newProducerId);
    final FakeAuthorizer authorizer = new FakeAuthorizer();
    final Authorization authorization = new Authorization(authorizer);

    @BeforeEach
    void topics() throws Exception {
        store.createTopic("orders", 1, Map.of());
        store.createTopic("payments", 1, Map.of());
    }

    @AfterEach
    void close() {
        transactions.close();
        groups.close();
        store.close();
    }

    static InitProducerIdRequest init(String transactionalId) {
        return request(ApiKeys.INIT_PRODUCER_ID, new InitProducerIdRequestData().setTransactionalId(transactionalId)
                .setTransactionTimeoutMs(30_000).setProducerId(-1).setProducerEpoch((short) -1), (short) 4);
    }

    @Test
    void anIdempotentProducerNeedsIdempotentWriteOnTheClusterOrWriteOnSomeTopic() throws Exception {
        InitProducerIdHandler handler = new InitProducerIdHandler(coordinators, authorization);
        InitProducerIdResponse refused = answer(handler, init(null), ALICE);
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), refused.data().errorCode());

        // WRITE on any one topic is enough (Authorizer.authorizeByResourceType)
        authorizer.allow(ALICE_NAME, AclOperation.WRITE, ResourceType.TOPIC, "orders");
        InitProducerIdResponse byTopic = answer(handler, init(null), ALICE);
        assertEquals(Errors.NONE.code(), byTopic.data().errorCode());
        assertTrue(byTopic.data().producerId() >= 0);
    }

    @Test
    void idempotentWriteOnTheClusterIsEnoughForAnIdempotentProducer() throws Exception {
        authorizer.allow(ALICE_NAME, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, "kafka-cluster");
        InitProducerIdResponse response = answer(new InitProducerIdHandler(coordinators, authorization), init(null), ALICE);
        assertEquals(Errors.NONE.code(), response.data().errorCode());
    }

    @Test
    void aTransactionalProducerNeedsWriteOnItsTransactionalId() throws Exception {
        InitProducerIdHandler handler = new InitProducerIdHandler(coordinators, authorization);
        authorizer.allow(ALICE_NAME, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, "kafka-cluster"); // not what a transactional id needs
        InitProducerIdResponse refused = answer(handler, init("tx"), ALICE);
        assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), refused.data().errorCode());

        authorizer.allow(ALICE_NAME, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, "tx");
        InitProducerIdResponse allowed = answer(handler, init("tx"), ALICE);
        assertEquals(Errors.NONE.code(), allowed.data().errorCode());
    }

    @Test
    void endTxnNeedsWriteOnTheTransactionalId() throws Exception {
        EndTxnResponse response = answer(new EndTxnHandler(coordinators, authorization), request(ApiKeys.END_TXN,
                new EndTxnRequestData().setTransactionalId("tx").setProducerId(1).setProducerEpoch((short) 0).setCommitted(true), (short) 4), ALICE);
        assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), response.data().errorCode());
    }

    static AddPartitionsToTxnRequestData addPartitions(String transactionalId, String... topics) {
        AddPartitionsToTxnTopicCollection collection = new AddPartitionsToTxnTopicCollection();
        for (String t : topics) {
            collection.add(new AddPartitionsToTxnTopic().setName(t).setPartitions(List.of(0)));
        }
        return new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(transactionalId).setV3AndBelowProducerId(1)
                .setV3AndBelowProducerEpoch((short) 0).setV3AndBelowTopics(collection);
    }

    @Test
    void addPartitionsToTxnNeedsWriteOnTheTransactionalIdAndOnEachTopic() throws Exception {
        AddPartitionsToTxnHandler handler = new AddPartitionsToTxnHandler(store, coordinators, authorization);
        AddPartitionsToTxnResponse noId = answer(handler, request(ApiKeys.ADD_PARTITIONS_TO_TXN, addPartitions("tx", "orders"), (short) 3), ALICE);
        assertEquals(Map.of(new TopicPartition("orders", 0), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
                noId.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID));

        authorizer.allow(ALICE_NAME, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, "tx").allow(ALICE_NAME, AclOperation.WRITE, ResourceType.TOPIC, "orders");
        AddPartitionsToTxnResponse oneTopic = answer(handler, request(ApiKeys.ADD_PARTITIONS_TO_TXN, addPartitions("tx", "orders", "payments"),
                (short) 3), ALICE);
        assertEquals(Map.of(new TopicPartition("orders", 0), Errors.OPERATION_NOT_ATTEMPTED, new TopicPartition("payments", 0),
                Errors.TOPIC_AUTHORIZATION_FAILED), oneTopic.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID));
    }

    @Test
    void addPartitionsToTxnFromABrokerNeedsClusterAction() throws Exception {
        AddPartitionsToTxnRequestData data = new AddPartitionsToTxnRequestData().setTransactions(
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection(List.of(
                        new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction().setTransactionalId("tx").setProducerId(1)
                                .setProducerEpoch((short) 0).setVerifyOnly(true).setTopics(addPartitions("tx", "orders").v3AndBelowTopics()))
                        .iterator()));
        AddPartitionsToTxnResponse response = answer(new AddPartitionsToTxnHandler(store, coordinators, authorization),
                request(ApiKeys.ADD_PARTITIONS_TO_TXN, data, (short) 4), ALICE);
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), response.data().errorCode());
    }

    @Test
    void txnOffsetCommitNeedsWriteOnTheTransactionalIdThenReadOnTheGroup() throws Exception {
        TxnOffsetCommitHandler handler = new TxnOffsetCommitHandler(store, coordinators, authorization);
        TxnOffsetCommitRequestData data = new TxnOffsetCommitRequestData().setTransactionalId("tx").setGroupId("g").setProducerId(1)
                .setProducerEpoch((short) 0).setTopics(List.of(new TxnOffsetCommitRequestTopic().setName("orders")
                        .setPartitions(List.of(new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(3)))));
        TxnOffsetCommitResponse noId = answer(handler, request(ApiKeys.TXN_OFFSET_COMMIT, data, (short) 3), ALICE);
        assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), noId.data().topics().get(0).partitions().get(0).errorCode());

        authorizer.allow(ALICE_NAME, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, "tx");
        TxnOffsetCommitResponse noGroup = answer(handler, request(ApiKeys.TXN_OFFSET_COMMIT, data, (short) 3), ALICE);
        assertEquals(Errors.GROUP_AUTHORIZATION_FAILED.code(), noGroup.data().topics().get(0).partitions().get(0).errorCode());

        authorizer.allow(ALICE_NAME, AclOperation.READ, ResourceType.GROUP, "g");
        TxnOffsetCommitResponse noTopic = answer(handler, request(ApiKeys.TXN_OFFSET_COMMIT, data, (short) 3), ALICE);
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), noTopic.data().topics().get(0).partitions().get(0).errorCode());
    }

    @Test
    void describeAndListTransactionsShowOnlyDescribableTransactionalIds() throws Exception {
        InitProducerIdHandler init = new InitProducerIdHandler(coordinators, Authorization.NONE);
        answer(init, init("tx1"));
        answer(init, init("tx2"));
        authorizer.allow(ALICE_NAME, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, "tx1");

        ListTransactionsResponse listed = answer(new ListTransactionsHandler(coordinators, authorization),
                request(ApiKeys.LIST_TRANSACTIONS, new ListTransactionsRequestData(), (short) 1), ALICE);
        assertEquals(List.of("tx1"), listed.data().transactionStates().stream().map(TransactionState::transactionalId).toList());

        DescribeTransactionsResponse described = answer(new DescribeTransactionsHandler(coordinators, authorization),
                request(ApiKeys.DESCRIBE_TRANSACTIONS, new DescribeTransactionsRequestData().setTransactionalIds(List.of("tx1", "tx2")), (short) 0), ALICE);
        Map<String, Short> errors = new HashMap<>();
        described.data().transactionStates().forEach(st -> errors.put(st.transactionalId(), st.errorCode()));
        assertEquals(Map.of("tx1", Errors.NONE.code(), "tx2", Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()), errors);
    }
}
