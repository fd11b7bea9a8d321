package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ListOffsetsHandler on an in-memory log store holding, in partition 0 of "t", offsets 0-5 with timestamps
 * 100, 200, 300 (one batch), 400, 900, 500 (a second batch), and its log start moved to 1.
 */
class ListOffsetsHandlerTest {
    final LogStore store = LogStore.inMemory(Map.of());
    final ListOffsetsHandler handler = new ListOffsetsHandler(store, Authorization.NONE);

    @BeforeEach
    void fill() throws Exception {
        store.createTopic("t", 2, Map.of());
        PartitionLog p0 = store.partition(new TopicPartition("t", 0));
        store.append(p0, batch(100, 200, 300), 0);
        store.append(p0, batch(400, 900, 500), 0);
        p0.deleteRecordsBefore(1);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static MemoryRecords batch(long... timestamps) {
        List<SimpleRecord> records = new ArrayList<>();
        for (long ts : timestamps) {
            records.add(new SimpleRecord(ts, "k".getBytes(StandardCharsets.UTF_8), ("at " + ts).getBytes(StandardCharsets.UTF_8)));
        }
        return MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0]));
    }

    static ListOffsetsPartitionResponse list(ListOffsetsHandler handler, short version, String topic, int partition, long timestamp,
                                             int currentLeaderEpoch) throws Exception {
        ListOffsetsRequestData data = new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(new ListOffsetsTopic().setName(topic)
                .setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(partition).setTimestamp(timestamp)
                        .setCurrentLeaderEpoch(currentLeaderEpoch)))));
        ListOffsetsRequest request = request(ApiKeys.LIST_OFFSETS, data, version);
        ListOffsetsResponse response = answer(handler, request);
        return response.data().topics().get(0).partitions().get(0);
    }

    /** offset, timestamp, leader epoch and error of the answer, for one comparison. */
    static String summary(ListOffsetsPartitionResponse r) {
        return "offset " + r.offset() + " timestamp " + r.timestamp() + " epoch " + r.leaderEpoch() + " " + Errors.forCode(r.errorCode());
    }

    @ParameterizedTest
    @ValueSource(shorts = {1, 2, 3})
    void beforeV4NoLeaderEpoch(short version) throws Exception {
        assertEquals("offset 6 timestamp -1 epoch -1 NONE", summary(list(handler, version, "t", 0, ListOffsetsRequest.LATEST_TIMESTAMP, -1)));
        assertEquals("offset 1 timestamp -1 epoch -1 NONE", summary(list(handler, version, "t", 0, ListOffsetsRequest.EARLIEST_TIMESTAMP, -1)));
        assertEquals("offset 3 timestamp 400 epoch -1 NONE", summary(list(handler, version, "t", 0, 350, -1)));
    }

    @ParameterizedTest
    @ValueSource(shorts = {4, 7, 11})
    void fromV4WithLeaderEpoch(short version) throws Exception {
        assertEquals("offset 6 timestamp -1 epoch 0 NONE", summary(list(handler, version, "t", 0, ListOffsetsRequest.LATEST_TIMESTAMP, -1)));
        assertEquals("offset 1 timestamp -1 epoch 0 NONE", summary(list(handler, version, "t", 0, ListOffsetsRequest.EARLIEST_TIMESTAMP, 0)));
        assertEquals("offset 3 timestamp 400 epoch 0 NONE", summary(list(handler, version, "t", 0, 350, 0)));
    }

    @Test
    void byTimestamp() throws Exception {
        short v = 11;
        assertEquals("offset 3 timestamp 400 epoch 0 NONE", summary(list(handler, v, "t", 0, 400, -1)), "exactly a record's timestamp");
        assertEquals("offset 4 timestamp 900 epoch 0 NONE", summary(list(handler, v, "t", 0, 600, -1)),
                "the first record >= the target, not the first batch whose max timestamp is");
        assertEquals("offset -1 timestamp -1 epoch -1 NONE", summary(list(handler, v, "t", 0, 901, -1)), "none that late");
        assertEquals("offset -1 timestamp -1 epoch -1 NONE", summary(list(handler, v, "t", 1, 0, -1)), "empty partition");
    }

    @Test
    void byTimestampNotBelowTheLogStart() throws Exception {
        assertEquals("offset 1 timestamp 200 epoch 0 NONE", summary(list(handler, (short) 11, "t", 0, 0, -1)));
    }

    @Test
    void maxTimestampAndTieredSpecials() throws Exception {
        short v = 11;
        assertEquals("offset 4 timestamp 900 epoch 0 NONE", summary(list(handler, v, "t", 0, ListOffsetsRequest.MAX_TIMESTAMP, -1)));
        assertEquals("offset 1 timestamp -1 epoch 0 NONE", summary(list(handler, v, "t", 0, ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP, -1)));
        assertEquals("offset -1 timestamp -1 epoch -1 NONE", summary(list(handler, v, "t", 0, ListOffsetsRequest.LATEST_TIERED_TIMESTAMP, -1)));
        assertEquals("offset -1 timestamp -1 epoch -1 NONE",
                summary(list(handler, v, "t", 0, ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP, -1)));
    }

    @ParameterizedTest
    @ValueSource(shorts = {1, 11})
    void unknownTopicOrPartition(short version) throws Exception {
        assertEquals("offset -1 timestamp -1 epoch -1 UNKNOWN_TOPIC_OR_PARTITION",
                summary(list(handler, version, "nope", 0, ListOffsetsRequest.LATEST_TIMESTAMP, -1)));
        assertEquals("offset -1 timestamp -1 epoch -1 UNKNOWN_TOPIC_OR_PARTITION",
                summary(list(handler, version, "t", 2, ListOffsetsRequest.LATEST_TIMESTAMP, -1)));
    }

    @Test
    void leaderEpochFromTheFuture() throws Exception {
        assertEquals("offset -1 timestamp -1 epoch -1 UNKNOWN_LEADER_EPOCH",
                summary(list(handler, (short) 4, "t", 0, ListOffsetsRequest.LATEST_TIMESTAMP, 1)));
    }
}
