package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.KafkaRequest;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Incremental fetch sessions through the handler, against the in-memory log store. */
@Timeout(30)
class FetchSessionTest {
    private final ArrayDeque<Runnable> pool = new ArrayDeque<>();
    private LogStore store;
    private Uuid topicId;
    private EmbeddedChannel channel;
    private FetchHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        store = LogStore.inMemory(Map.of());
        topicId = store.createTopic("t", 3, Map.of()).id();
        channel = new EmbeddedChannel();
        handler = new FetchHandler(store, pool::add, Authorization.NONE);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        store.close();
    }

    @Test
    void incrementalFetchesAnswerOnlyPartitionsWithSomethingNew() throws Exception {
        // given: a session of partitions 0..2
        FetchResponse full = fetch(12, 0, 0, 0, topic(0, 0, 1, 0, 2, 0), List.of());
        int session = full.sessionId();
        assertNotEquals(0, session);
        assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), highWatermarks(full));

        // when: partition 1 gets a record; an incremental fetch names nothing
        append(1);
        FetchResponse inc = fetch(12, session, 1, 0, null, List.of());

        // then: only partition 1, with its record
        assertEquals(Errors.NONE, inc.error());
        assertEquals(session, inc.sessionId());
        assertEquals(Map.of(1, 1L), highWatermarks(inc));
        assertTrue(records(inc, 1) > 0);

        // when: the client moves partition 1's offset on; nothing new anywhere
        FetchResponse quiet = fetch(12, session, 2, 0, topic(1, 1), List.of());
        assertEquals(Map.of(), highWatermarks(quiet), "nothing new: no partitions");

        // when: partition 0 is forgotten, then gets a record, and partition 2 too
        fetch(12, session, 3, 0, null, List.of(0));
        append(0);
        append(2);
        FetchResponse after = fetch(12, session, 4, 0, null, List.of());
        assertEquals(Map.of(2, 1L), highWatermarks(after), "a forgotten partition is no longer fetched");
    }

    @Test
    void sessionErrorsAsKafkaAnswersThem() throws Exception {
        int session = fetch(12, 0, 0, 0, topic(0, 0), List.of()).sessionId();

        FetchResponse wrongEpoch = fetch(12, session, 7, 0, null, List.of());
        assertEquals(Errors.INVALID_FETCH_SESSION_EPOCH, wrongEpoch.error());
        assertEquals(0, wrongEpoch.sessionId());
        assertTrue(wrongEpoch.data().responses().isEmpty());

        assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND, fetch(12, session + 1, 1, 0, null, List.of()).error());
        assertEquals(Errors.FETCH_SESSION_TOPIC_ID_ERROR, fetch(13, session, 1, 0, null, List.of()).error(),
                "a session by topic name cannot go on by topic id");

        // the errors left the session as it was: epoch 1 still works
        assertEquals(Errors.NONE, fetch(12, session, 1, 0, null, List.of()).error());

        // epoch -1 closes the session and answers in full without one
        FetchResponse closing = fetch(12, session, -1, 0, topic(0, 0), List.of());
        assertEquals(Errors.NONE, closing.error());
        assertEquals(0, closing.sessionId());
        assertEquals(Map.of(0, 0L), highWatermarks(closing));
        assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND, fetch(12, session, 2, 0, null, List.of()).error());
    }

    @Test
    void sessionsByTopicIdReportUnknownIdsEachTime() throws Exception {
        Uuid unknown = Uuid.randomUuid();
        FetchRequestData data = request(0, 0, 0, topic(0, 0)).setTopics(new ArrayList<>(List.of(
                new FetchTopic().setTopicId(topicId).setPartitions(List.of(partition(0, 0))),
                new FetchTopic().setTopicId(unknown).setPartitions(List.of(partition(0, 0))))));
        FetchResponse full = call(new FetchRequest(data, (short) 13));
        int session = full.sessionId();
        assertNotEquals(0, session);
        assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), full.data().responses().get(1).partitions().get(0).errorCode());

        FetchResponse inc = fetch(13, session, 1, 0, null, List.of());
        assertEquals(1, inc.data().responses().size(), "only the erroneous partition: the known one has nothing new");
        assertEquals(unknown, inc.data().responses().get(0).topicId());
        assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), inc.data().responses().get(0).partitions().get(0).errorCode());
    }

    @Test
    void aParkedIncrementalFetchAnswersWithTheSessionAsItIsWhenTheDataComes() throws Exception {
        int session = fetch(12, 0, 0, 0, topic(0, 0, 1, 0, 2, 0), List.of()).sessionId();

        CompletableFuture<AbstractResponse> parked = send(new FetchRequest(request(session, 1, 10_000, null), (short) 12));
        assertFalse(parked.isDone(), "nothing new: parked");
        append(2);
        runPool();
        FetchResponse answer = (FetchResponse) parked.get(5, TimeUnit.SECONDS);
        assertEquals(session, answer.sessionId());
        assertEquals(Map.of(2, 1L), highWatermarks(answer));

        // a parked fetch overtaken by the next epoch answers INVALID_FETCH_SESSION_EPOCH, as in Kafka
        CompletableFuture<AbstractResponse> overtaken = send(new FetchRequest(request(session, 2, 10_000, topic(2, 1)), (short) 12));
        assertEquals(Errors.NONE, fetch(12, session, 3, 0, null, List.of()).error());
        append(0);
        runPool();
        FetchResponse late = (FetchResponse) overtaken.get(5, TimeUnit.SECONDS);
        assertEquals(Errors.INVALID_FETCH_SESSION_EPOCH, late.error());
        assertEquals(session, late.sessionId());
    }

    // ---- helpers

    /** Pairs of (partition, offset). */
    private FetchTopic topic(long... partitionOffsets) {
        FetchTopic t = new FetchTopic().setTopic("t");
        for (int i = 0; i < partitionOffsets.length; i += 2) {
            t.partitions().add(partition((int) partitionOffsets[i], partitionOffsets[i + 1]));
        }
        return t;
    }

    private static FetchPartition partition(int p, long offset) {
        return new FetchPartition().setPartition(p).setFetchOffset(offset).setPartitionMaxBytes(1 << 20);
    }

    private FetchRequestData request(int session, int epoch, int maxWaitMs, FetchTopic topic) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(1 << 20)
                .setSessionId(session).setSessionEpoch(epoch).setTopics(topic == null ? new ArrayList<>() : new ArrayList<>(List.of(topic)));
    }

    private FetchResponse fetch(int version, int session, int epoch, int maxWaitMs, FetchTopic topic, List<Integer> forget) throws Exception {
        FetchRequestData data = request(session, epoch, maxWaitMs, topic);
        if (topic != null && version >= 13) {
            topic.setTopicId(topicId);
        }
        if (!forget.isEmpty()) {
            data.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopic("t").setTopicId(topicId).setPartitions(forget));
        }
        return call(new FetchRequest(data, (short) version));
    }

    private FetchResponse call(FetchRequest body) throws Exception {
        return (FetchResponse) send(body).get(5, TimeUnit.SECONDS);
    }

    private CompletableFuture<AbstractResponse> send(FetchRequest body) {
        RequestHeader header = new RequestHeader(ApiKeys.FETCH, body.version(), "test", 1);
        RequestContext ctx = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS,
                new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        return handler.handle(new KafkaRequest(ctx, body, channel.eventLoop(), channel.closeFuture()), body);
    }

    private void append(int partition) throws Exception {
        store.append(store.partition(new TopicPartition("t", partition)),
                MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes())), System.currentTimeMillis());
    }

    private void runPool() {
        while (!pool.isEmpty()) {
            pool.poll().run();
        }
    }

    /** Partition -> high watermark of every partition in the answer. */
    private static Map<Integer, Long> highWatermarks(FetchResponse r) {
        Map<Integer, Long> hw = new TreeMap<>();
        r.data().responses().forEach(t -> t.partitions().forEach(p -> hw.put(p.partitionIndex(), p.highWatermark())));
        return hw;
    }

    private static int records(FetchResponse r, int partition) {
        return r.data().responses().stream().flatMap(t -> t.partitions().stream()).filter(p -> p.partitionIndex() == partition)
                .mapToInt(p -> p.records().sizeInBytes()).findFirst().orElse(-1);
    }
}
