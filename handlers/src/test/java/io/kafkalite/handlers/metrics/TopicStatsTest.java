package io.kafkalite.handlers.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What BrokerTopicMetrics count from a Produce or Fetch and its response, and that deleted topics' meters go. */
class TopicStatsTest {
    final LogStore store = LogStore.inMemory(Map.of());
    final BrokerMetrics metrics = new BrokerMetrics(store, null, 10);

    @AfterEach
    void close() {
        metrics.close();
        store.close();
    }

    private long count(String name, String topic) {
        Meter m = (Meter) metrics.metrics().get(topic == null ? MetricName.of("kafka.server", "BrokerTopicMetrics", name)
                : MetricName.of("kafka.server", "BrokerTopicMetrics", name, "topic", topic));
        return m == null ? -1 : m.getCount();
    }

    private static MemoryRecords threeRecords() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[10]), new SimpleRecord(new byte[20]),
                new SimpleRecord(new byte[30]));
    }

    private static ProduceRequest produce(short version, TopicProduceData... topics) {
        return new ProduceRequest(new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(topics).iterator())), version);
    }

    private static ProduceResponse answer(Errors... errors) {
        TopicProduceResponse tr = new TopicProduceResponse();
        for (int i = 0; i < errors.length; i++) {
            tr.partitionResponses().add(new PartitionProduceResponse().setIndex(i).setErrorCode(errors[i].code()));
        }
        return new ProduceResponse(new ProduceResponseData().setResponses(new ProduceResponseData.TopicProduceResponseCollection(
                List.of(tr).iterator())));
    }

    @Test
    void produceCountsBatchBytesAndRecordsOfAppendedPartitions() throws Exception {
        // given
        Topic t = store.createTopic("t", 3, Map.of());
        MemoryRecords records = threeRecords();
        TopicProduceData td = new TopicProduceData().setName("t").setPartitionData(List.of(
                new PartitionProduceData().setIndex(0).setRecords(threeRecords()),
                new PartitionProduceData().setIndex(1).setRecords(threeRecords()),
                new PartitionProduceData().setIndex(2).setRecords(threeRecords())));
        // when: two appended, one failed with an error Kafka does not expect, one with one it does
        metrics.topics().produced(produce((short) 9, td), answer(Errors.NONE, Errors.INVALID_RECORD, Errors.NONE));
        metrics.topics().produced(produce((short) 9, new TopicProduceData().setName("t").setPartitionData(List.of(
                new PartitionProduceData().setIndex(0).setRecords(threeRecords())))), answer(Errors.CORRUPT_MESSAGE));
        // and by topic id (v13), acks=0 (no response)
        metrics.topics().produced(produce((short) 13, new TopicProduceData().setTopicId(t.id()).setPartitionData(List.of(
                new PartitionProduceData().setIndex(0).setRecords(threeRecords())))), null);
        // then
        assertEquals(3L * records.sizeInBytes(), count("BytesInPerSec", "t"));
        assertEquals(9, count("MessagesInPerSec", "t"));
        assertEquals(5, count("TotalProduceRequestsPerSec", "t"));
        assertEquals(1, count("FailedProduceRequestsPerSec", "t"));
        assertEquals(9, count("MessagesInPerSec", null), "all topics");
    }

    @Test
    void fetchCountsConsumerBytesOut() throws Exception {
        // given
        store.createTopic("t", 1, Map.of());
        MemoryRecords records = threeRecords();
        FetchResponseData data = new FetchResponseData();
        data.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("t").setPartitions(List.of(
                new FetchResponseData.PartitionData().setPartitionIndex(0).setRecords(records))));
        FetchRequest consumer = FetchRequest.Builder.forConsumer((short) 12, 100, 1, Map.of()).build((short) 12);
        FetchRequest follower = FetchRequest.Builder.forReplica((short) 12, 2, 0, 100, 1, Map.of()).build((short) 12);
        // when
        metrics.topics().fetched(consumer, FetchResponse.of(data));
        metrics.topics().fetched(follower, FetchResponse.of(data));
        // then
        assertEquals(records.sizeInBytes(), count("BytesOutPerSec", "t"), "a follower's bytes are replication, not bytes out");
        assertEquals(2, count("TotalFetchRequestsPerSec", "t"));
    }

    @Test
    void unknownAndDeletedTopicsHaveNoMeters() throws Exception {
        // given
        store.createTopic("t", 1, Map.of());
        metrics.topics().produced(produce((short) 9, new TopicProduceData().setName("t").setPartitionData(List.of(
                new PartitionProduceData().setIndex(0).setRecords(threeRecords())))), answer(Errors.NONE));
        metrics.topics().produced(produce((short) 9, new TopicProduceData().setName("unknown").setPartitionData(List.of(
                new PartitionProduceData().setIndex(0).setRecords(threeRecords())))), answer(Errors.UNKNOWN_TOPIC_OR_PARTITION));
        assertEquals(-1, count("BytesInPerSec", "unknown"));
        assertEquals(1, metrics.topics().topicCount());
        // when
        store.deleteTopic("t");
        metrics.sync();
        // then
        assertEquals(0, metrics.topics().topicCount());
        assertNull(metrics.metrics().get(MetricName.of("kafka.server", "BrokerTopicMetrics", "BytesInPerSec", "topic", "t")));
        assertEquals(3, count("MessagesInPerSec", null), "the all-topics meters keep their counts");
    }
}
