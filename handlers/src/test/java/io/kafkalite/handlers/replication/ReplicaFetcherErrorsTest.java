package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fetcher against a scripted leader: Kafka's answers to errors and the multi-step truncation of KIP-279. */
class ReplicaFetcherErrorsTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final int BACKOFF_MS = 200;
    private final LogStore store = LogStore.inMemory(Map.of());
    private final Uuid topicId = Uuid.randomUuid();
    private FakeLeader leader;
    private ReplicaFetcherManager fetchers;

    @AfterEach
    void close() throws Exception {
        if (fetchers != null) {
            fetchers.close();
        }
        if (leader != null) {
            leader.close();
        }
        store.close();
    }

    @Test
    void aFencedEpochPausesThePartitionUntilItIsFollowedAtTheNewEpoch() throws Exception {
        PartitionLog log = followerLog(3);
        start(request -> request instanceof FetchRequest f
                ? fetchAnswer(f, partition(f).currentLeaderEpoch() == 3 ? Errors.FENCED_LEADER_EPOCH : Errors.NONE, 4, 5)
                : null);
        fetchers.follow(TP, topicId, log, 1, 3);
        await(() -> leader.requests(ApiKeys.FETCH).size() == 1, "a fetch at epoch 3");
        Thread.sleep(3L * BACKOFF_MS);
        assertEquals(1, leader.requests(ApiKeys.FETCH).size(), "paused: not retried");
        log.becomeFollower(4);
        fetchers.follow(TP, topicId, log, 1, 4);
        await(() -> log.logEndOffset() == 5, "fetched at epoch 4");
        assertEquals(4, log.latestEpoch());
    }

    @Test
    void notLeaderOrFollowerIsRetriedAfterTheBackoff() throws Exception {
        PartitionLog log = followerLog(0);
        List<Long> times = new CopyOnWriteArrayList<>();
        start(request -> {
            if (!(request instanceof FetchRequest f)) {
                return null;
            }
            times.add(System.nanoTime());
            return fetchAnswer(f, times.size() <= 2 ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.NONE, 0, 5);
        });
        fetchers.follow(TP, topicId, log, 1, 0);
        await(() -> log.logEndOffset() == 5, "fetched once the leader leads");
        long gapMs = (times.get(1) - times.get(0)) / 1_000_000;
        assertTrue(gapMs >= BACKOFF_MS * 9 / 10, "retried after replica.fetch.backoff.ms, not at once: " + gapMs + " ms");
    }

    @Test
    void anEpochTheFollowerNeverHadIsAskedAgainWithAnOlderOne() throws Exception {
        // follower: epoch 1 on [0, 10), epoch 3 on [10, 20); leader: epoch 1 on [0, 12), epoch 2 on [12, 15), then epoch 5
        PartitionLog log = followerLog(5);
        store.appendAsFollower(log, batch(0, 1, 10));
        store.appendAsFollower(log, batch(10, 3, 10));
        store.updateHighWatermark(log, 5);
        start(request -> {
            if (request instanceof OffsetsForLeaderEpochRequest o) {
                int asked = o.data().topics().iterator().next().partitions().get(0).leaderEpoch();
                return asked >= 2 ? epochAnswer(2, 15) : epochAnswer(1, 12);
            }
            return request instanceof FetchRequest f ? fetchAnswer(f, Errors.NONE, 5, 15) : null;
        });
        fetchers.follow(TP, topicId, log, 1, 5);
        await(() -> log.logEndOffset() == 15 && log.latestEpoch() == 5, "truncated to 10, then fetched");
        List<Integer> asked = leader.<OffsetsForLeaderEpochRequest>requests(ApiKeys.OFFSET_FOR_LEADER_EPOCH).stream()
                .map(o -> o.data().topics().iterator().next().partitions().get(0).leaderEpoch()).toList();
        assertEquals(List.of(3, 1), asked, "epoch 3, unknown to the leader, then our largest epoch below its answer");
        FetchRequest first = leader.<FetchRequest>requests(ApiKeys.FETCH).get(0);
        assertEquals(10, partition(first).fetchOffset(), "the end of our epoch 1: below it both logs agree");
        assertEquals(1, log.endOffsetForEpoch(1).epoch());
        assertEquals(10, log.endOffsetForEpoch(1).endOffset());
    }

    @Test
    void aLogBeyondTheLeadersEndIsTruncatedToIt() throws Exception {
        PartitionLog log = followerLog(0);
        store.appendAsFollower(log, batch(0, 0, 20));
        start(request -> {
            if (request instanceof OffsetsForLeaderEpochRequest) {
                return epochAnswer(0, 20);
            }
            if (request instanceof ListOffsetsRequest l) {
                long timestamp = l.data().topics().get(0).partitions().get(0).timestamp();
                return offsetsAnswer(timestamp == ListOffsetsRequest.LATEST_TIMESTAMP ? 15 : 0);
            }
            FetchRequest f = (FetchRequest) request;
            return fetchAnswer(f, partition(f).fetchOffset() == 20 ? Errors.OFFSET_OUT_OF_RANGE : Errors.NONE, 0, 15);
        });
        fetchers.follow(TP, topicId, log, 1, 0);
        await(() -> leader.<FetchRequest>requests(ApiKeys.FETCH).stream().anyMatch(f -> partition(f).fetchOffset() == 15),
                "fetching at the leader's end");
        // the truncation to 15 cut our whole batch [0, 20): the follower fetched again from 0, then at 15
        List<Long> offsets = leader.<FetchRequest>requests(ApiKeys.FETCH).stream().map(f -> partition(f).fetchOffset()).toList();
        assertEquals(List.of(20L, 0L, 15L), offsets.subList(0, 3));
        assertEquals(15, log.logEndOffset());
    }

    // ---------------------------------------------------------------- helpers

    private PartitionLog followerLog(int epoch) throws Exception {
        store.createTopic(TP.topic(), topicId, 1, Map.of());
        PartitionLog log = store.partition(TP);
        log.setReplicated(true);
        log.becomeFollower(epoch);
        return log;
    }

    private void start(Function<AbstractRequest, AbstractResponse> script) throws Exception {
        leader = new FakeLeader(script);
        BrokerConfig config = new BrokerConfig(Map.of("node.id", "2", "replica.fetch.backoff.ms", String.valueOf(BACKOFF_MS)));
        fetchers = new ReplicaFetcherManager(2, id -> leader.address(), config, InterBrokerSecurity.of(config), store);
    }

    private static FetchPartition partition(FetchRequest f) {
        return f.data().topics().get(0).partitions().get(0);
    }

    /** The answer to a fetch of {@link #TP} from a leader whose log ends at {@code leaderEnd}: its records of {@code epoch}. */
    private static FetchResponse fetchAnswer(FetchRequest request, Errors error, int epoch, long leaderEnd) {
        FetchTopic topic = request.data().topics().get(0);
        FetchPartition p = topic.partitions().get(0);
        int count = error == Errors.NONE ? (int) Math.max(0, leaderEnd - p.fetchOffset()) : 0;
        if (count == 0) {
            pause(); // as a leader's long poll: no busy loop
        }
        FetchResponseData.PartitionData data = new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                .setErrorCode(error.code()).setHighWatermark(leaderEnd).setLastStableOffset(leaderEnd).setLogStartOffset(0)
                .setRecords(count > 0 ? batch(p.fetchOffset(), epoch, count) : MemoryRecords.EMPTY);
        return FetchResponse.of(new FetchResponseData().setResponses(List.of(new FetchableTopicResponse().setTopicId(topic.topicId())
                .setTopic(topic.topic()).setPartitions(List.of(data)))));
    }

    private static OffsetsForLeaderEpochResponse epochAnswer(int epoch, long endOffset) {
        OffsetForLeaderEpochResponseData data = new OffsetForLeaderEpochResponseData();
        data.topics().add(new OffsetForLeaderTopicResult().setTopic(TP.topic()).setPartitions(List.of(new EpochEndOffset()
                .setPartition(TP.partition()).setLeaderEpoch(epoch).setEndOffset(endOffset))));
        return new OffsetsForLeaderEpochResponse(data);
    }

    private static ListOffsetsResponse offsetsAnswer(long offset) {
        return new ListOffsetsResponse(new ListOffsetsResponseData().setTopics(List.of(new ListOffsetsTopicResponse().setName(TP.topic())
                .setPartitions(List.of(new ListOffsetsPartitionResponse().setPartitionIndex(TP.partition()).setOffset(offset)
                        .setTimestamp(-1))))));
    }

    private static MemoryRecords batch(long base, int epoch, int count) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, base, System.currentTimeMillis(), RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
                RecordBatch.NO_SEQUENCE, false, epoch);
        for (int i = 0; i < count; i++) {
            builder.append(System.currentTimeMillis(), null, ("r" + (base + i)).getBytes());
        }
        return builder.build();
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting: " + what);
            Thread.sleep(10);
        }
    }
}
