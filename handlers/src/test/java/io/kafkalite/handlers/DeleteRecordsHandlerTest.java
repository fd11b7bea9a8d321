package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DeleteRecordsHandler on an in-memory log store whose partition "t"-0 holds offsets 0-9. */
class DeleteRecordsHandlerTest {
    final LogStore store = LogStore.inMemory(Map.of());
    final DeleteRecordsHandler handler = new DeleteRecordsHandler(store, Authorization.NONE);
    PartitionLog partition;

    @BeforeEach
    void fill() throws Exception {
        store.createTopic("t", 1, Map.of());
        partition = store.partition(new TopicPartition("t", 0));
        SimpleRecord[] records = new SimpleRecord[10];
        for (int i = 0; i < 10; i++) {
            records[i] = new SimpleRecord(i, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        store.append(partition, MemoryRecords.withRecords(Compression.NONE, records), 0);
    }

    @AfterEach
    void close() {
        store.close();
    }

    String delete(short version, String topic, int index, long offset) throws Exception {
        DeleteRecordsRequestData data = new DeleteRecordsRequestData().setTimeoutMs(5000).setTopics(List.of(new DeleteRecordsTopic()
                .setName(topic).setPartitions(List.of(new DeleteRecordsPartition().setPartitionIndex(index).setOffset(offset)))));
        DeleteRecordsResponse response = answer(handler, request(ApiKeys.DELETE_RECORDS, data, version));
        DeleteRecordsPartitionResult r = response.data().topics().iterator().next().partitions().iterator().next();
        return Errors.forCode(r.errorCode()) + " low watermark " + r.lowWatermark();
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 1, 2})
    void movesTheLogStartAndAnswersIt(short version) throws Exception {
        assertEquals("NONE low watermark 4", delete(version, "t", 0, 4));
        assertEquals(4, partition.logStartOffset());
        assertEquals("NONE low watermark 4", delete(version, "t", 0, 2), "never backwards");
        assertEquals(4, partition.logStartOffset());
        assertEquals("NONE low watermark 10", delete(version, "t", 0, -1), "-1: the high watermark");
        assertEquals(10, partition.logStartOffset());
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 2})
    void beyondTheHighWatermark(short version) throws Exception {
        assertEquals("OFFSET_OUT_OF_RANGE low watermark -1", delete(version, "t", 0, 11));
        assertEquals(0, partition.logStartOffset(), "nothing deleted");
        assertEquals("NONE low watermark 10", delete(version, "t", 0, 10), "the high watermark itself is fine");
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 2})
    void unknownTopicOrPartition(short version) throws Exception {
        assertEquals("UNKNOWN_TOPIC_OR_PARTITION low watermark -1", delete(version, "nope", 0, 1));
        assertEquals("UNKNOWN_TOPIC_OR_PARTITION low watermark -1", delete(version, "t", 1, 1));
    }
}
