package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Exact and malformed requests on a bare socket: Kafka's error codes, closed connections, nobody else disturbed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // socket reads ignore interrupts
class RawProtocolTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("socket.request.max.bytes", "1048576"));

    @BeforeAll
    static void start() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("raw", 1, (short) 1), new NewTopic("small", 1, (short) 1).configs(Map.of("max.message.bytes", "200")),
                    new NewTopic("compacted", 1, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
    }


    @Test
    void apiVersionsOfAnUnknownVersionIsAnsweredInTheV0Layout() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.sendFrame(ApiKeys.API_VERSIONS.id, (short) 99, 7, new byte[] {0}); // header v2: empty tagged fields
            ByteBuffer frame = ByteBuffer.wrap(client.readFrame());
            assertEquals(7, frame.getInt(), "v0 response header: correlation id only");
            ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(frame), (short) 0);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), data.errorCode());
            assertTrue(data.apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion() >= 3);
            assertTrue(client.silentFor(2_000), "the connection stays open for the retry");
        }
    }

    @Test
    void apiVersionsListsWhatWeServe() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            ApiVersionsResponse r = client.call(new ApiVersionsRequest(new ApiVersionsRequestData()
                    .setClientSoftwareName("raw").setClientSoftwareVersion("1.0"), (short) 3));
            assertEquals(Errors.NONE.code(), r.data().errorCode());
            assertEquals(3, r.data().apiKeys().find(ApiKeys.PRODUCE.id).minVersion());
            assertEquals(13, r.data().apiKeys().find(ApiKeys.PRODUCE.id).maxVersion());
            assertEquals(18, r.data().apiKeys().find(ApiKeys.FETCH.id).maxVersion());
            // the admin APIs one broker answers, every version Kafka 4.4 serves
            for (ApiKeys api : List.of(ApiKeys.OFFSET_FOR_LEADER_EPOCH, ApiKeys.DESCRIBE_TOPIC_PARTITIONS, ApiKeys.ELECT_LEADERS,
                    ApiKeys.ALTER_PARTITION_REASSIGNMENTS, ApiKeys.LIST_PARTITION_REASSIGNMENTS)) {
                assertEquals(api.oldestVersion(), r.data().apiKeys().find(api.id).minVersion(), api.name());
                assertEquals(api.latestVersion(), r.data().apiKeys().find(api.id).maxVersion(), api.name());
            }
            assertTrue(r.data().supportedFeatures().isEmpty(), "below v4 a feature with minimum 0 breaks 3.0-3.8 clients");
            assertEquals(2, r.data().finalizedFeatures().find("transaction.version").maxVersionLevel());
            ApiVersionsResponse v4 = client.call(new ApiVersionsRequest(new ApiVersionsRequestData()
                    .setClientSoftwareName("raw").setClientSoftwareVersion("1.0"), (short) 4));
            assertEquals(0, v4.data().supportedFeatures().find("transaction.version").minVersion());
            assertEquals(2, v4.data().supportedFeatures().find("transaction.version").maxVersion());
            ApiVersionsResponse bad = client.call(new ApiVersionsRequest(new ApiVersionsRequestData()
                    .setClientSoftwareName("bad name!").setClientSoftwareVersion("1.0"), (short) 3));
            assertEquals(Errors.INVALID_REQUEST.code(), bad.data().errorCode());
        }
    }

    @Test
    void malformedFramesCloseOnlyTheirConnection() throws Exception {
        try (RawClient bystander = new RawClient(broker.port())) {
            try (RawClient c = new RawClient(broker.port())) { // larger than socket.request.max.bytes
                c.sendRaw(ByteBuffer.allocate(4).putInt(2 * 1024 * 1024).array());
                assertTrue(c.closedByBroker());
            }
            try (RawClient c = new RawClient(broker.port())) { // negative size
                c.sendRaw(ByteBuffer.allocate(4).putInt(-5).array());
                assertTrue(c.closedByBroker());
            }
            try (RawClient c = new RawClient(broker.port())) { // unknown API key
                c.sendFrame((short) 9999, (short) 0, 1, new byte[0]);
                assertTrue(c.closedByBroker());
            }
            try (RawClient c = new RawClient(broker.port())) { // a version we don't serve
                c.sendFrame(ApiKeys.METADATA.id, (short) 99, 1, new byte[0]);
                assertTrue(c.closedByBroker());
            }
            try (RawClient c = new RawClient(broker.port())) { // header too short
                c.sendRaw(new byte[] {0, 0, 0, 3, 1, 2, 3});
                assertTrue(c.closedByBroker());
            }
            try (RawClient c = new RawClient(broker.port())) { // body truncated
                c.sendFrame(ApiKeys.CREATE_TOPICS.id, (short) 4, 1, new byte[] {0, 0, 0, 5});
                assertTrue(c.closedByBroker());
            }
            ApiVersionsResponse r = bystander.call(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0));
            assertEquals(Errors.NONE.code(), r.data().errorCode(), "other connections keep being served");
        }
    }

    @Test
    void bytesAfterTheBodyAreIgnoredAsKafkaDoes() throws Exception {
        // given: Metadata v13 with 3 bytes after its body, as librdkafka 2.15.0 sends it
        MetadataRequest request = new MetadataRequest.Builder(new MetadataRequestData()
                .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("raw").setTopicId(Uuid.ZERO_UUID)))
                .setAllowAutoTopicCreation(false)).build((short) 13);
        RequestHeader header = new RequestHeader(ApiKeys.METADATA, (short) 13, "rdkafka", 42);
        ByteBuffer body = request.serializeWithHeader(header);
        ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining() + 3).putInt(body.remaining() + 3).put(body).put(new byte[] {0, 0, 0});
        try (RawClient client = new RawClient(broker.port())) {
            // when
            client.sendRaw(frame.array());
            MetadataResponse response = client.read(header);
            // then
            var topic = response.data().topics().find("raw");
            assertEquals(Errors.NONE.code(), topic.errorCode());
            assertEquals(1, topic.partitions().size());
            assertEquals(broker.port(), response.data().brokers().iterator().next().port());
            ApiVersionsResponse next = client.call(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0));
            assertEquals(Errors.NONE.code(), next.data().errorCode(), "the connection stays open");
        }
    }

    @Test
    void corruptOversizedAndKeylessBatchesAreRefused() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            MemoryRecords corrupt = records(RecordBatch.NO_PRODUCER_ID, (short) -1, -1, "k", "v");
            corrupt.buffer().put(corrupt.sizeInBytes() - 1, (byte) 42); // breaks the CRC
            assertEquals(Errors.CORRUPT_MESSAGE, produce(client, "raw", corrupt).error);
            assertEquals(Errors.MESSAGE_TOO_LARGE, produce(client, "small", records(-1, (short) -1, -1, "k", "v".repeat(500))).error);
            assertEquals(Errors.INVALID_RECORD, produce(client, "compacted", records(-1, (short) -1, -1, null, "v")).error);
            assertEquals(Errors.NONE, produce(client, "compacted", records(-1, (short) -1, -1, "k", "v")).error);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, produce(client, "no-such-topic", records(-1, (short) -1, -1, "k", "v")).error);
        }
    }

    @Test
    void idempotentRetriesAreDeduplicatedAndGapsRefused() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            InitProducerIdResponse init = client.call(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                    .setTransactionalId(null).setTransactionTimeoutMs(60000)).build((short) 4));
            long pid = init.data().producerId();
            short epoch = init.data().producerEpoch();
            Result first = produce(client, "raw", records(pid, epoch, 0, "a", "1", "b", "2"));
            Result retry = produce(client, "raw", records(pid, epoch, 0, "a", "1", "b", "2"));
            assertEquals(Errors.NONE, first.error);
            assertEquals(Errors.NONE, retry.error);
            assertEquals(first.baseOffset, retry.baseOffset, "the retry is answered with the original offset");
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, produce(client, "raw", records(pid, epoch, 5, "c", "3")).error);
            Result next = produce(client, "raw", records(pid, epoch, 2, "c", "3"));
            assertEquals(first.baseOffset + 2, next.baseOffset, "nothing was appended twice");
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, produce(client, "raw", records(pid, (short) (epoch + 1), 7, "d", "4")).error,
                    "a new epoch starts at sequence 0");
            assertEquals(Errors.NONE, produce(client, "raw", records(pid, (short) (epoch + 1), 0, "d", "4")).error);
            assertEquals(Errors.INVALID_PRODUCER_EPOCH, produce(client, "raw", records(pid, epoch, 3, "e", "5")).error);
        }
    }

    @Test
    void acksZeroHasNoResponse() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            client.send(produceRequest("raw", records(-1, (short) -1, -1, "k", "v"), (short) 0));
            RequestHeader next = client.send(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0));
            ApiVersionsResponse r = client.read(next); // would fail to parse if a produce response came first
            assertEquals(Errors.NONE.code(), r.data().errorCode());
        }
    }

    @Test
    void fetchInsideABatchReturnsTheWholeBatch() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            Result r = produce(client, "raw", records(-1, (short) -1, -1, "a", "1", "b", "2", "c", "3"));
            assertEquals(Errors.NONE, r.error);
            FetchResponse f = fetch(client, "raw", r.baseOffset + 1);
            var pd = f.data().responses().get(0).partitions().get(0);
            assertEquals(Errors.NONE.code(), pd.errorCode());
            var batch = ((MemoryRecords) pd.records()).batches().iterator().next();
            assertEquals(r.baseOffset, batch.baseOffset(), "starts with the batch holding the offset");
            assertEquals(r.baseOffset + 2, batch.lastOffset());
            assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), fetch(client, "raw", r.baseOffset + 100).data().responses().get(0)
                    .partitions().get(0).errorCode());
        }
    }

    @Test
    void produceV13NamesTopicsById() throws Exception {
        Uuid id;
        try (Admin admin = broker.admin()) {
            id = admin.describeTopics(List.of("raw")).allTopicNames().get().get("raw").topicId();
        }
        try (RawClient client = new RawClient(broker.port())) {
            for (Uuid topicId : List.of(id, Uuid.randomUuid())) {
                ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
                data.topicData().add(new ProduceRequestData.TopicProduceData().setTopicId(topicId)
                        .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                                .setRecords(records(-1, (short) -1, -1, "k13", "v13")))));
                ProduceResponse r = client.call(ProduceRequest.builder(data, true).build((short) 13));
                var tr = r.data().responses().iterator().next();
                assertEquals(topicId, tr.topicId());
                assertEquals(topicId.equals(id) ? Errors.NONE.code() : Errors.UNKNOWN_TOPIC_ID.code(), tr.partitionResponses().get(0).errorCode());
            }
        }
    }

    // ---- helpers

    record Result(Errors error, long baseOffset) { }

    static MemoryRecords records(long pid, short epoch, int seq, String... kvs) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, 0L, System.currentTimeMillis(), pid, epoch, seq, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < kvs.length; i += 2) {
            b.append(new SimpleRecord(System.currentTimeMillis(), kvs[i] == null ? null : kvs[i].getBytes(), kvs[i + 1].getBytes()));
        }
        return b.build();
    }

    static ProduceRequest produceRequest(String topic, MemoryRecords records, short acks) {
        ProduceRequestData data = new ProduceRequestData().setAcks(acks).setTimeoutMs(5000);
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
        return ProduceRequest.builder(data).build((short) 11);
    }

    static Result produce(RawClient client, String topic, MemoryRecords records) throws Exception {
        ProduceResponse r = client.call(produceRequest(topic, records, (short) -1));
        var pr = r.data().responses().iterator().next().partitionResponses().get(0);
        return new Result(Errors.forCode(pr.errorCode()), pr.baseOffset());
    }

    static FetchResponse fetch(RawClient client, String topic, long offset) throws Exception {
        FetchRequestData data = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20).setReplicaId(-1)
                .setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setTopicId(Uuid.ZERO_UUID)
                        .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset)
                                .setPartitionMaxBytes(1 << 20)))));
        return client.call(new FetchRequest(data, (short) 12));
    }

    static TopicPartition tp(String topic) {
        return new TopicPartition(topic, 0);
    }
}
