package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.context;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.CloseConnectionException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Produce, Fetch and ListOffsets under an authorizer: Kafka's error codes per partition, one authorizer call per request. */
class DataPathAuthorizationTest {
    static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");

    final LogStore store = LogStore.inMemory(Map.of());
    final FakeAuthorizer authorizer = new FakeAuthorizer();
    final Authorization authorization = new Authorization(authorizer);

    @BeforeEach
    void topics() throws Exception {
        store.createTopic("orders", 2, Map.of());
        store.createTopic("payments", 1, Map.of());
    }

    @AfterEach
    void close() {
        store.close();
    }

    // ---------------------------------------------------------------- Produce

    static MemoryRecords records(String value) {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value.getBytes()));
    }

    static ProduceRequest produce(short acks, String transactionalId, Map<String, MemoryRecords> byTopic, int partitions) {
        List<TopicProduceData> topics = new ArrayList<>();
        byTopic.forEach((topic, records) -> {
            List<PartitionProduceData> pd = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                pd.add(new PartitionProduceData().setIndex(p).setRecords(records));
            }
            topics.add(new TopicProduceData().setName(topic).setPartitionData(pd));
        });
        return request(ApiKeys.PRODUCE, new ProduceRequestData().setAcks(acks).setTimeoutMs(5000).setTransactionalId(transactionalId)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(topics.iterator())), (short) 12);
    }

    static Map<String, Errors> errors(ProduceResponse response) {
        Map<String, Errors> errors = new LinkedHashMap<>();
        response.data().responses().forEach(t -> t.partitionResponses().forEach(p ->
                errors.put(t.name() + "-" + p.index(), Errors.forCode(p.errorCode()))));
        return errors;
    }

    @Test
    void produceNeedsWriteOnEachTopicAskedOnceForTheWholeRequest() throws Exception {
        // given
        authorizer.allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "orders");
        ProduceHandler handler = new ProduceHandler(store, null, Runnable::run, authorization);
        Map<String, MemoryRecords> byTopic = new LinkedHashMap<>();
        byTopic.put("orders", records("o"));
        byTopic.put("payments", records("p"));
        // when
        ProduceResponse response = answer(handler, produce((short) 1, null, byTopic, 1), ALICE);
        // then
        assertEquals(Map.of("orders-0", Errors.NONE, "payments-0", Errors.TOPIC_AUTHORIZATION_FAILED), errors(response));
        PartitionProduceResponse refused = response.data().responses().stream().filter(t -> t.name().equals("payments")).findFirst()
                .orElseThrow().partitionResponses().get(0);
        assertEquals(-1, refused.baseOffset());
        assertEquals(1, store.partition(new TopicPartition("orders", 0)).highWatermark());
        assertEquals(0, store.partition(new TopicPartition("payments", 0)).highWatermark());
        assertEquals(1, authorizer.calls.size(), "one authorize call for every topic of the request");
        assertEquals(2, authorizer.calls.get(0).size());
    }

    @Test
    void aTopicsReferenceCountIsItsNumberOfPartitionsAsInKafka() throws Exception {
        authorizer.allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "orders");
        ProduceHandler handler = new ProduceHandler(store, null, Runnable::run, authorization);
        answer(handler, produce((short) 1, null, Map.of("orders", records("o")), 2), ALICE);
        assertEquals(1, authorizer.calls.get(0).size());
        assertEquals(2, authorizer.calls.get(0).get(0).resourceReferenceCount());
    }

    @Test
    void produceToAnUnknownTopicWithoutWriteDoesNotRevealThatItIsUnknown() throws Exception {
        ProduceHandler handler = new ProduceHandler(store, null, Runnable::run, authorization);
        ProduceResponse response = answer(handler, produce((short) 1, null, Map.of("ghost", records("g")), 1), ALICE);
        assertEquals(Map.of("ghost-0", Errors.TOPIC_AUTHORIZATION_FAILED), errors(response));
    }

    @Test
    void transactionalProduceNeedsWriteOnTheTransactionalIdForTheWholeRequest() throws Exception {
        // given: the topics may be written, the transactional id not
        authorizer.allow("User:alice", AclOperation.WRITE, ResourceType.TOPIC, "orders");
        ProduceHandler handler = new ProduceHandler(store, null, Runnable::run, authorization);
        MemoryRecords txn = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, 0, new SimpleRecord("t".getBytes()));
        // when
        ProduceResponse response = answer(handler, produce((short) -1, "tx", Map.of("orders", txn), 2), ALICE);
        // then
        assertEquals(Map.of("orders-0", Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "orders-1", Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
                errors(response));
        assertEquals(0, store.partition(new TopicPartition("orders", 0)).highWatermark());
    }

    @Test
    void anUnauthorizedTransactionalProduceWithAcksZeroClosesTheConnection() throws Exception {
        ProduceHandler handler = new ProduceHandler(store, null, Runnable::run, authorization);
        MemoryRecords txn = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, 0, new SimpleRecord("t".getBytes()));
        ProduceRequest body = produce((short) 0, "tx", Map.of("orders", txn), 1);
        ExecutionException e = assertThrows(ExecutionException.class, () -> handler.handle(context(body, ALICE), body).get());
        assertInstanceOf(CloseConnectionException.class, e.getCause());
    }

    @Test
    void withoutAnAuthorizerEverythingIsWritten() throws Exception {
        ProduceHandler handler = new ProduceHandler(store, null, Runnable::run, Authorization.NONE);
        ProduceResponse response = answer(handler, produce((short) 1, null, Map.of("payments", records("p")), 1), ALICE);
        assertEquals(Map.of("payments-0", Errors.NONE), errors(response));
    }

    // ---------------------------------------------------------------- Fetch

    static FetchRequest fetch(FetchRequest.Builder builder) {
        return builder.build((short) 12);
    }

    static Map<TopicPartition, FetchRequest.PartitionData> partitions(TopicPartition... tps) {
        Map<TopicPartition, FetchRequest.PartitionData> data = new LinkedHashMap<>();
        for (TopicPartition tp : tps) {
            data.put(tp, new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, 0, 1 << 20, Optional.empty()));
        }
        return data;
    }

    static Map<String, Errors> errors(FetchResponse response) {
        Map<String, Errors> errors = new LinkedHashMap<>();
        response.data().responses().forEach(t -> t.partitions().forEach(p ->
                errors.put(t.topic() + "-" + p.partitionIndex(), Errors.forCode(p.errorCode()))));
        return errors;
    }

    @Test
    void aConsumerFetchNeedsReadOnEachTopic() throws Exception {
        // given: a record in each topic; alice may read orders only
        store.append(store.partition(new TopicPartition("orders", 1)), records("o"), 0);
        store.append(store.partition(new TopicPartition("payments", 0)), records("p"), 0);
        authorizer.allow("User:alice", AclOperation.READ, ResourceType.TOPIC, "orders");
        FetchHandler handler = new FetchHandler(store, Runnable::run, authorization);
        TopicPartition orders0 = new TopicPartition("orders", 0);
        TopicPartition orders1 = new TopicPartition("orders", 1);
        TopicPartition payments0 = new TopicPartition("payments", 0);
        // when
        FetchResponse response = answer(handler, fetch(FetchRequest.Builder.forConsumer((short) 12, 0, 0,
                partitions(orders0, orders1, payments0))), ALICE);
        // then
        assertEquals(Map.of("orders-0", Errors.NONE, "orders-1", Errors.NONE, "payments-0", Errors.TOPIC_AUTHORIZATION_FAILED), errors(response));
        PartitionData refused = response.data().responses().get(1).partitions().get(0);
        assertEquals(0, ((MemoryRecords) refused.records()).sizeInBytes(), "no data of a topic that may not be read");
        assertEquals(1, authorizer.calls.size(), "one authorize call for the request, not one per partition");
        assertEquals(2, authorizer.calls.get(0).size(), "one action per topic");
        assertEquals(2, authorizer.calls.get(0).get(0).resourceReferenceCount(), "orders is named by two partitions");
    }

    @Test
    void anIncrementalFetchTellsTheRefusedTopicEveryTime() throws Exception {
        // given: a fetch session over orders (readable) and payments (not)
        authorizer.allow("User:alice", AclOperation.READ, ResourceType.TOPIC, "orders");
        FetchHandler handler = new FetchHandler(store, Runnable::run, authorization);
        FetchResponse full = answer(handler, fetch(FetchRequest.Builder.forConsumer((short) 12, 0, 0,
                partitions(new TopicPartition("orders", 0), new TopicPartition("payments", 0))).metadata(new FetchMetadata(0, 0))), ALICE);
        assertNotEquals(0, full.sessionId());
        assertEquals(Map.of("orders-0", Errors.NONE, "payments-0", Errors.TOPIC_AUTHORIZATION_FAILED), errors(full));
        // when: an incremental fetch with nothing new
        FetchResponse inc = answer(handler, fetch(FetchRequest.Builder.forConsumer((short) 12, 0, 0, Map.of())
                .metadata(new FetchMetadata(full.sessionId(), 1))), ALICE);
        // then: orders is left out, the refusal is told again, as Kafka does
        assertEquals(Map.of("payments-0", Errors.TOPIC_AUTHORIZATION_FAILED), errors(inc));
    }

    @Test
    void aFollowerFetchNeedsClusterAction() throws Exception {
        TopicPartition orders0 = new TopicPartition("orders", 0);
        FetchHandler handler = new FetchHandler(store, Runnable::run, authorization);
        authorizer.allow("User:alice", AclOperation.READ, ResourceType.TOPIC, "orders"); // not what a follower needs
        FetchResponse refused = answer(handler, fetch(FetchRequest.Builder.forReplica((short) 12, 2, 0, 0, 0, partitions(orders0))), ALICE);
        assertEquals(Map.of("orders-0", Errors.TOPIC_AUTHORIZATION_FAILED), errors(refused));

        authorizer.allow("User:alice", AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, "kafka-cluster");
        FetchResponse served = answer(handler, fetch(FetchRequest.Builder.forReplica((short) 12, 2, 0, 0, 0, partitions(orders0))), ALICE);
        assertEquals(Map.of("orders-0", Errors.NONE), errors(served));
    }

    // ---------------------------------------------------------------- ListOffsets

    @Test
    void listOffsetsNeedsDescribeOnEachTopic() throws Exception {
        authorizer.allow("User:alice", AclOperation.DESCRIBE, ResourceType.TOPIC, "orders");
        ListOffsetsHandler handler = new ListOffsetsHandler(store, authorization);
        List<ListOffsetsTopic> topics = List.of(
                new ListOffsetsTopic().setName("orders").setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1))),
                new ListOffsetsTopic().setName("payments").setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1))));
        ListOffsetsResponse response = answer(handler, request(ApiKeys.LIST_OFFSETS, new ListOffsetsRequestData().setReplicaId(-1)
                .setTopics(topics), (short) 9), ALICE);
        assertEquals(Errors.NONE.code(), response.data().topics().get(0).partitions().get(0).errorCode());
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), response.data().topics().get(1).partitions().get(0).errorCode());
        assertEquals(-1, response.data().topics().get(1).partitions().get(0).offset());
    }
}
