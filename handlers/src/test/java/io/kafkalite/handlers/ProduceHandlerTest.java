package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.handle;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.CloseConnectionException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ProduceHandler on an in-memory log store: error codes per partition and what differs between versions. */
class ProduceHandlerTest {
    final LogStore store = LogStore.inMemory(Map.of());
    final ProduceHandler handler = new ProduceHandler(store, null, Runnable::run, Authorization.NONE); // no transactional batches here

    @AfterEach
    void close() {
        store.close();
    }

    static MemoryRecords records(Compression compression, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8), values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(compression, records);
    }

    /** A produce of {@code records} to partition {@code partition} of one topic, named by name (v3-v12) or id (v13). */
    static ProduceRequest produce(short version, short acks, String topic, Uuid topicId, int partition, MemoryRecords records) {
        TopicProduceData td = new TopicProduceData().setPartitionData(List.of(new PartitionProduceData().setIndex(partition).setRecords(records)));
        if (version >= 13) {
            td.setTopicId(topicId);
        } else {
            td.setName(topic);
        }
        ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(5000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(td).iterator()));
        return request(ApiKeys.PRODUCE, data, version);
    }

    static PartitionProduceResponse only(ProduceResponse response) {
        return response.data().responses().iterator().next().partitionResponses().get(0);
    }

    @ParameterizedTest
    @ValueSource(shorts = {3, 7, 12, 13})
    void appendsAndAnswersTheBaseOffset(short version) throws Exception {
        // given
        Topic topic = store.createTopic("t", 2, Map.of());
        store.append(store.partition(new TopicPartition("t", 1)), records(Compression.NONE, "a", "b"), 0);
        // when
        ProduceResponse response = answer(handler, produce(version, (short) 1, "t", topic.id(), 1, records(Compression.NONE, "c", "d", "e")));
        // then
        PartitionProduceResponse p = only(response);
        assertEquals(Errors.NONE, Errors.forCode(p.errorCode()));
        assertEquals(1, p.index());
        assertEquals(2, p.baseOffset());
        assertEquals(-1, p.logAppendTimeMs(), "CreateTime topic");
        assertEquals(5, store.partition(new TopicPartition("t", 1)).highWatermark());
        var tr = response.data().responses().iterator().next();
        assertEquals(version >= 13 ? "" : "t", tr.name(), "v13 answers by topic id only");
        assertEquals(version >= 13 ? topic.id() : Uuid.ZERO_UUID, tr.topicId());
    }

    @Test
    void unknownTopicByNameBeforeV13() throws Exception {
        ProduceResponse response = answer(handler, produce((short) 12, (short) -1, "nope", null, 0, records(Compression.NONE, "v")));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.forCode(only(response).errorCode()));
    }

    @Test
    void unknownTopicIdInV13() throws Exception {
        // given: a topic exists by name, but the request names another id
        store.createTopic("t", 1, Map.of());
        // when
        ProduceResponse response = answer(handler, produce((short) 13, (short) -1, null, Uuid.randomUuid(), 0, records(Compression.NONE, "v")));
        // then
        assertEquals(Errors.UNKNOWN_TOPIC_ID, Errors.forCode(only(response).errorCode()));
        assertEquals(0, store.partition(new TopicPartition("t", 0)).highWatermark());
    }

    @ParameterizedTest
    @ValueSource(shorts = {12, 13})
    void unknownPartitionOfAKnownTopic(short version) throws Exception {
        Topic topic = store.createTopic("t", 2, Map.of());
        ProduceResponse response = answer(handler, produce(version, (short) 1, "t", topic.id(), 2, records(Compression.NONE, "v")));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.forCode(only(response).errorCode()));
    }

    @ParameterizedTest
    @ValueSource(shorts = {2, -2, 5})
    void invalidAcks(short acks) throws Exception {
        store.createTopic("t", 1, Map.of());
        ProduceResponse response = answer(handler, produce((short) 9, acks, "t", null, 0, records(Compression.NONE, "v")));
        PartitionProduceResponse p = only(response);
        assertEquals(Errors.INVALID_REQUIRED_ACKS, Errors.forCode(p.errorCode()));
        assertEquals(-1, p.baseOffset());
        assertEquals(0, store.partition(new TopicPartition("t", 0)).highWatermark(), "nothing appended");
    }

    @Test
    void zstdBeforeV7IsRefused() throws Exception {
        // given
        store.createTopic("t", 1, Map.of());
        // when
        ProduceResponse v6 = answer(handler, produce((short) 6, (short) 1, "t", null, 0, records(Compression.zstd().build(), "v")));
        ProduceResponse v7 = answer(handler, produce((short) 7, (short) 1, "t", null, 0, records(Compression.zstd().build(), "v")));
        // then
        assertEquals(Errors.UNSUPPORTED_COMPRESSION_TYPE, Errors.forCode(only(v6).errorCode()));
        assertEquals(Errors.NONE, Errors.forCode(only(v7).errorCode()));
        assertEquals(0, only(v7).baseOffset(), "the refused batch took no offset");
    }

    @Test
    void minInsyncReplicasCountsAtMostTheOneReplicaOfABrokerAlone() throws Exception {
        // given: Kafka 3.7+ takes min(min.insync.replicas, replication factor) as the effective min ISR
        store.createTopic("needs-two", 1, Map.of("min.insync.replicas", "2"));
        // when
        ProduceResponse all = answer(handler, produce((short) 9, (short) -1, "needs-two", null, 0, records(Compression.NONE, "v")));
        ProduceResponse one = answer(handler, produce((short) 9, (short) 1, "needs-two", null, 0, records(Compression.NONE, "v")));
        // then
        assertEquals(Errors.NONE, Errors.forCode(only(all).errorCode()));
        assertEquals(0, only(all).baseOffset());
        assertEquals(Errors.NONE, Errors.forCode(only(one).errorCode()));
        assertEquals(1, only(one).baseOffset());
        assertEquals(2, store.partition(new TopicPartition("needs-two", 0)).highWatermark());
    }

    @Test
    void acksZeroHasNoResponseAndClosesTheConnectionOnError() throws Exception {
        // given
        store.createTopic("t", 1, Map.of());
        // when
        CompletableFuture<AbstractResponse> ok = handle(handler, produce((short) 9, (short) 0, "t", null, 0, records(Compression.NONE, "v")));
        CompletableFuture<AbstractResponse> failed = handle(handler, produce((short) 9, (short) 0, "nope", null, 0, records(Compression.NONE, "v")));
        // then
        assertNull(ok.get(), "acks=0: no response at all");
        assertEquals(1, store.partition(new TopicPartition("t", 0)).highWatermark());
        ExecutionException e = assertThrows(ExecutionException.class, failed::get);
        assertInstanceOf(CloseConnectionException.class, e.getCause());
    }
}
