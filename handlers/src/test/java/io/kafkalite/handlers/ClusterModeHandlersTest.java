package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.handle;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.handlers.replication.ReplicationFixture;
import io.kafkalite.wire.KafkaRequest;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The data-path handlers of node 1 in a three-broker cluster (LocalQuorum); brokers 2 and 3 are played by the test. */
class ClusterModeHandlersTest {
    private ReplicationFixture cluster;
    private ProduceHandler produce;
    private FetchHandler fetch;

    @BeforeEach
    void start() throws Exception {
        cluster = new ReplicationFixture();
        produce = new ProduceHandler(cluster.store, null, Runnable::run, Authorization.NONE, cluster.replicas);
        fetch = new FetchHandler(cluster.store, Runnable::run, Authorization.NONE, 10, cluster.replicas);
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    private ProduceRequest produceRequest(short version, short acks, TopicPartition tp, String... values) {
        return ProduceHandlerTest.produce(version, acks, tp.topic(), cluster.topicId(tp), tp.partition(),
                ProduceHandlerTest.records(Compression.NONE, values));
    }

    /** A sessionless fetch of one partition, by replica {@code replicaId} (-1: a consumer), answered at once. */
    private FetchRequest fetchRequest(short version, int replicaId, TopicPartition tp, long offset, int currentLeaderEpoch) {
        FetchRequestData data = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20).setSessionEpoch(-1);
        if (version >= 15) {
            data.setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(replicaId));
        } else {
            data.setReplicaId(replicaId);
        }
        data.topics().add(new FetchRequestData.FetchTopic().setTopic(tp.topic()).setTopicId(cluster.topicId(tp))
                .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(tp.partition()).setFetchOffset(offset)
                        .setCurrentLeaderEpoch(currentLeaderEpoch).setPartitionMaxBytes(1 << 20))));
        return request(ApiKeys.FETCH, data, version);
    }

    private static FetchResponseData.PartitionData only(FetchResponse response) {
        return response.data().responses().get(0).partitions().get(0);
    }

    /**
     * The image names node 1 the leader (other nodes already tell producers so) before node 1 took the role: a
     * produce waits for the role. Answered NOT_LEADER_OR_FOLLOWER, an idempotent producer's next pipelined batch could
     * be appended first and its first batch retried as OUT_OF_ORDER_SEQUENCE_NUMBER until delivery.timeout.ms.
     */
    @Test
    void aProduceBeforeThisNodeTookItsLeaderRoleWaitsForTheRole() throws Exception {
        cluster.close();
        AtomicBoolean registered = new AtomicBoolean();
        cluster = new ReplicationFixture(30_000, 50_000, image -> registered.get());
        produce = new ProduceHandler(cluster.store, null, Runnable::run, Authorization.NONE, cluster.replicas);
        TopicPartition led = cluster.createTopic("led", Map.of(), 1, 2);
        TopicPartition followed = cluster.createTopic("followed", Map.of(), 2, 1);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.leaderError(led, -1), "no role taken yet");

        CompletableFuture<AbstractResponse> first = handle(produce, produceRequest((short) 11, (short) 1, led, "a"));
        assertFalse(first.isDone(), "waits for the leader role the image gives this node");
        ProduceResponse notLed = answer(produce, produceRequest((short) 11, (short) 1, followed, "x"));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(ProduceHandlerTest.only(notLed).errorCode()), "led by 2: no wait");

        registered.set(true);
        cluster.replicas.registrationChanged();
        ProduceResponseData.PartitionProduceResponse p = ProduceHandlerTest.only((ProduceResponse) first.get(5, TimeUnit.SECONDS));
        assertEquals(Errors.NONE, Errors.forCode(p.errorCode()));
        assertEquals(0, p.baseOffset());
        ProduceResponse next = answer(produce, produceRequest((short) 13, (short) 1, led, "b"));
        assertEquals(1, ProduceHandlerTest.only(next).baseOffset(), "roles taken: no wait (by topic id too)");
    }

    @Test
    void acksAllIsAnsweredWhenTheFollowersHaveFetchedTheBatch() throws Exception {
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2);
        CompletableFuture<AbstractResponse> acked = handle(produce, produceRequest((short) 11, (short) -1, tp, "a", "b"));
        assertFalse(acked.isDone(), "waits for follower 2");

        FetchResponse first = answer(fetch, fetchRequest((short) 17, 2, tp, 0, 0));
        assertEquals(Errors.NONE, Errors.forCode(only(first).errorCode()));
        assertEquals(0, only(first).highWatermark());
        int records = 0;
        for (var r : FetchResponse.recordsOrFail(only(first)).records()) {
            records++;
        }
        assertEquals(2, records, "a follower reads to the log end");
        assertFalse(acked.isDone());

        FetchResponse second = answer(fetch, fetchRequest((short) 17, 2, tp, 2, 0));
        assertEquals(2, only(second).highWatermark(), "the follower learns the high watermark its fetch moved");
        ProduceResponseData.PartitionProduceResponse p = ((ProduceResponse) acked.get(5, TimeUnit.SECONDS)).data().responses()
                .iterator().next().partitionResponses().get(0);
        assertEquals(Errors.NONE, Errors.forCode(p.errorCode()));
        assertEquals(0, p.baseOffset());

        ProduceResponse one = answer(produce, produceRequest((short) 11, (short) 1, tp, "c"));
        assertEquals(2, ProduceHandlerTest.only(one).baseOffset(), "acks=1 answers after the local append");
        assertEquals(2, cluster.partition(tp).highWatermark());
    }

    /** A consumer's fetch (v17) of {@code tp} from offset 0 that may wait 20 s; its reads queue in {@code pool}. */
    private CompletableFuture<AbstractResponse> consumerFetchFromZero(TopicPartition tp, ArrayDeque<Runnable> pool, EmbeddedChannel channel) {
        FetchHandler consumerSide = new FetchHandler(cluster.store, pool::add, Authorization.NONE, 10, cluster.replicas);
        FetchRequest body = request(ApiKeys.FETCH, fetchRequest((short) 17, -1, tp, 0, 0).data().setMaxWaitMs(20_000), (short) 17);
        return consumerSide.handle(new KafkaRequest(HandlerCalls.context(body).context(), body, channel.eventLoop(), channel.closeFuture()), body);
    }

    @Test
    void aParkedConsumerFetchWaitsForTheHighWatermarkNotForAppends() throws Exception {
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2);
        ArrayDeque<Runnable> pool = new ArrayDeque<>();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        try {
            CompletableFuture<AbstractResponse> parked = consumerFetchFromZero(tp, pool, channel);
            answer(produce, produceRequest((short) 11, (short) 1, tp, "a", "b"));
            runAll(pool);
            assertFalse(parked.isDone(), "appended, but not below the high watermark yet");

            answer(fetch, fetchRequest((short) 17, 2, tp, 2, 0)); // follower 2 has both: the high watermark moves
            runAll(pool);
            FetchResponseData.PartitionData pd = only((FetchResponse) parked.get(5, TimeUnit.SECONDS));
            assertEquals(2, pd.highWatermark());
            int records = 0;
            for (var r : FetchResponse.recordsOrFail(pd).records()) {
                records++;
            }
            assertEquals(2, records);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aParkedFetchIsAnsweredWhenLeadershipMoves() throws Exception {
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2);
        ArrayDeque<Runnable> pool = new ArrayDeque<>();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        try {
            CompletableFuture<AbstractResponse> parked = consumerFetchFromZero(tp, pool, channel);
            runAll(pool);
            assertFalse(parked.isDone());
            cluster.submit(new MetadataRecord.FenceBroker(1)); // 2 leads at epoch 1
            runAll(pool);
            FetchResponseData.PartitionData pd = only((FetchResponse) parked.get(5, TimeUnit.SECONDS));
            assertEquals(Errors.FENCED_LEADER_EPOCH, Errors.forCode(pd.errorCode()), "it fetched at epoch 0: the epoch check comes first");
            assertEquals(List.of(2, 1), List.of(pd.currentLeader().leaderId(), pd.currentLeader().leaderEpoch()));
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static void runAll(ArrayDeque<Runnable> pool) {
        while (!pool.isEmpty()) {
            pool.poll().run();
        }
    }

    @Test
    void produceToAFollowerGetsTheLeaderHint() throws Exception {
        TopicPartition tp = cluster.createTopic("t", Map.of(), 2, 1);
        ProduceResponse v10 = answer(produce, produceRequest((short) 10, (short) 1, tp, "a"));
        ProduceResponseData.PartitionProduceResponse p = ProduceHandlerTest.only(v10);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(p.errorCode()));
        assertEquals(2, p.currentLeader().leaderId());
        assertEquals(0, p.currentLeader().leaderEpoch());
        ProduceResponseData.NodeEndpoint leader = v10.data().nodeEndpoints().iterator().next();
        assertEquals(List.of(2, "localhost", 9092), List.of(leader.nodeId(), leader.host(), leader.port()));
        assertEquals(0, cluster.partition(tp).logEndOffset(), "nothing appended on a follower");

        ProduceResponse v9 = answer(produce, produceRequest((short) 9, (short) 1, tp, "a"));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(ProduceHandlerTest.only(v9).errorCode()));
        assertEquals(-1, ProduceHandlerTest.only(v9).currentLeader().leaderId(), "no KIP-951 fields before v10");
    }

    @Test
    void acksAllWithTooSmallAnIsrAppendsNothing() throws Exception {
        TopicPartition tp = cluster.createTopic("t", Map.of("min.insync.replicas", "3"), 1, 2, 3);
        cluster.submit(new MetadataRecord.FenceBroker(3)); // the ISR [1, 2] is below 3
        ProduceResponse response = answer(produce, produceRequest((short) 11, (short) -1, tp, "a"));
        assertEquals(Errors.NOT_ENOUGH_REPLICAS, Errors.forCode(ProduceHandlerTest.only(response).errorCode()));
        assertEquals(0, cluster.partition(tp).logEndOffset());
    }

    @Test
    void consumerFetchesOnlyFromAReplicaAtItsEpoch() throws Exception {
        TopicPartition followed = cluster.createTopic("f", Map.of(), 2, 1);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(only(answer(fetch, fetchRequest((short) 10, -1, followed, 0, -1))).errorCode()),
                "without client metadata (before v11) only the leader serves");
        TopicPartition elsewhere = cluster.createTopic("e", Map.of(), 2, 3);
        FetchResponse notLeader = answer(fetch, fetchRequest((short) 16, -1, elsewhere, 0, -1));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(only(notLeader).errorCode()));
        assertEquals(2, only(notLeader).currentLeader().leaderId());
        assertEquals(9092, notLeader.data().nodeEndpoints().find(2).port());
        FetchResponse v15 = answer(fetch, fetchRequest((short) 15, -1, elsewhere, 0, -1));
        assertEquals(2, only(v15).currentLeader().leaderId());
        assertEquals(0, v15.data().nodeEndpoints().size(), "endpoints from v16");

        TopicPartition led = cluster.createTopic("l", Map.of(), 1, 2);
        assertEquals(Errors.UNKNOWN_LEADER_EPOCH, Errors.forCode(only(answer(fetch, fetchRequest((short) 17, -1, led, 0, 1))).errorCode()));
        assertEquals(Errors.NONE, Errors.forCode(only(answer(fetch, fetchRequest((short) 17, -1, led, 0, 0))).errorCode()));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(only(answer(fetch, fetchRequest((short) 17, 3, led, 0, 0))).errorCode()),
                "broker 3 is no replica");
    }

    @Test
    void listOffsetsLatestIsTheHighWatermarkOnTheLeaderOnly() throws Exception {
        TopicPartition led = cluster.createTopic("l", Map.of(), 1, 2);
        TopicPartition followed = cluster.createTopic("f", Map.of(), 2, 1);
        answer(produce, produceRequest((short) 11, (short) 1, led, "a", "b", "c"));
        ListOffsetsHandler handler = new ListOffsetsHandler(cluster.store, Authorization.NONE, cluster.replicas);
        assertEquals(0, latest(handler, led).offset(), "follower 2 has nothing yet");
        answer(fetch, fetchRequest((short) 17, 2, led, 3, 0));
        ListOffsetsPartitionResponse p = latest(handler, led);
        assertEquals(List.of(3L, 0), List.of(p.offset(), p.leaderEpoch()));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(latest(handler, followed).errorCode()));
    }

    @Test
    void aNewLeaderAnswersOffsetsOnlyOnceItsHighWatermarkReachedItsEpoch() throws Exception {
        TopicPartition tp = cluster.createTopic("t", Map.of(), 2, 1, 3);
        cluster.store.appendAsFollower(cluster.partition(tp), MemoryRecords.withRecords(0L, Compression.NONE, 0,
                new SimpleRecord("a".getBytes()), new SimpleRecord("b".getBytes()), new SimpleRecord("c".getBytes())));
        cluster.submit(new MetadataRecord.FenceBroker(2)); // node 1 leads at epoch 1 with ISR [1, 3]
        assertEquals(List.of(1, 1), List.of(cluster.state(tp).leader(), cluster.state(tp).leaderEpoch()));
        ListOffsetsHandler offsets = new ListOffsetsHandler(cluster.store, Authorization.NONE, cluster.replicas);
        assertEquals(Errors.OFFSET_NOT_AVAILABLE, Errors.forCode(latest(offsets, tp).errorCode()), "3's log end is unknown");
        assertEquals(3, latest(offsets, tp, 3).offset(), "a follower is told the log end");
        OffsetForLeaderEpochHandler epochs = new OffsetForLeaderEpochHandler(cluster.store, Authorization.NONE, cluster.replicas);
        assertEquals(List.of(0, 3L), epochEnd(epochs, tp, 1, 0));
        assertEquals(List.of(1, 3L), epochEnd(epochs, tp, 1, 1));
        assertEquals(List.of(-1, -1L), epochEnd(epochs, tp, 1, 2));
        assertEquals(List.of((int) Errors.FENCED_LEADER_EPOCH.code()), epochEnd(epochs, tp, 0, 0));
        DeleteRecordsHandler delete = new DeleteRecordsHandler(cluster.store, Authorization.NONE, cluster.replicas);
        assertEquals(Errors.OFFSET_OUT_OF_RANGE, deleteBefore(delete, tp, 2), "beyond the high watermark");

        answer(fetch, fetchRequest((short) 17, 3, tp, 3, 1));
        assertEquals(3, latest(offsets, tp).offset());
        assertEquals(1, latest(offsets, tp).leaderEpoch());
        assertEquals(Errors.NONE, deleteBefore(delete, tp, 2));
        assertEquals(2, cluster.partition(tp).logStartOffset());
    }

    /**
     * A partition of brokers 2 and 3 has no log on node 1, which knows it from the image: NOT_LEADER_OR_FOLLOWER, as
     * Kafka answers (the client refreshes its metadata), and UNKNOWN_TOPIC_OR_PARTITION only for a partition no one has.
     */
    @Test
    void aPartitionWhoseLogIsOnOtherBrokersIsNotLeaderOrFollower() throws Exception {
        Uuid id = Uuid.randomUuid();
        cluster.store.createTopic("elsewhere", id, 2, Map.of(), Set.of()); // as the topic reconciler creates it on node 1
        cluster.submit(new MetadataRecord.CreateTopic("elsewhere", id, Map.of(), List.of(List.of(2, 3), List.of(3, 2))));
        TopicPartition tp = new TopicPartition("elsewhere", 0);
        TopicPartition unknown = new TopicPartition("elsewhere", 2);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER,
                Errors.forCode(ProduceHandlerTest.only(answer(produce, produceRequest((short) 11, (short) 1, tp, "a"))).errorCode()));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(only(answer(fetch, fetchRequest((short) 17, -1, tp, 0, -1))).errorCode()));
        ListOffsetsHandler offsets = new ListOffsetsHandler(cluster.store, Authorization.NONE, cluster.replicas);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(latest(offsets, tp).errorCode()));
        OffsetForLeaderEpochHandler epochs = new OffsetForLeaderEpochHandler(cluster.store, Authorization.NONE, cluster.replicas);
        assertEquals(List.of((int) Errors.NOT_LEADER_OR_FOLLOWER.code()), epochEnd(epochs, tp, -1, 0));
        DeleteRecordsHandler delete = new DeleteRecordsHandler(cluster.store, Authorization.NONE, cluster.replicas);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, deleteBefore(delete, tp, 0));

        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                Errors.forCode(ProduceHandlerTest.only(answer(produce, produceRequest((short) 11, (short) 1, unknown, "a"))).errorCode()));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.forCode(latest(offsets, unknown).errorCode()));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, deleteBefore(delete, unknown, 0));
    }

    /** OffsetForLeaderEpoch v4 of a consumer: [epoch, end offset], or [error code]. */
    private List<Object> epochEnd(OffsetForLeaderEpochHandler handler, TopicPartition tp, int currentLeaderEpoch, int epoch) throws Exception {
        OffsetForLeaderEpochRequestData data = new OffsetForLeaderEpochRequestData().setReplicaId(-1);
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(tp.topic());
        t.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(tp.partition())
                .setCurrentLeaderEpoch(currentLeaderEpoch).setLeaderEpoch(epoch));
        data.topics().add(t);
        OffsetsForLeaderEpochResponse response = answer(handler, request(ApiKeys.OFFSET_FOR_LEADER_EPOCH, data, (short) 4));
        var p = response.data().topics().iterator().next().partitions().get(0);
        return p.errorCode() != 0 ? List.of((int) p.errorCode()) : List.of(p.leaderEpoch(), p.endOffset());
    }

    private Errors deleteBefore(DeleteRecordsHandler handler, TopicPartition tp, long offset) throws Exception {
        DeleteRecordsRequestData data = new DeleteRecordsRequestData().setTimeoutMs(5000);
        data.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName(tp.topic()).setPartitions(List.of(
                new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(tp.partition()).setOffset(offset))));
        DeleteRecordsResponse response = answer(handler, request(ApiKeys.DELETE_RECORDS, data, (short) 2));
        return Errors.forCode(response.data().topics().iterator().next().partitions().iterator().next().errorCode());
    }

    private ListOffsetsPartitionResponse latest(ListOffsetsHandler handler, TopicPartition tp) throws Exception {
        return latest(handler, tp, -1);
    }

    private ListOffsetsPartitionResponse latest(ListOffsetsHandler handler, TopicPartition tp, int replicaId) throws Exception {
        ListOffsetsRequestData data = new ListOffsetsRequestData().setReplicaId(replicaId);
        data.topics().add(new ListOffsetsRequestData.ListOffsetsTopic().setName(tp.topic()).setPartitions(List.of(
                new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(tp.partition()).setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP))));
        ListOffsetsResponse response = answer(handler, request(ApiKeys.LIST_OFFSETS, data, (short) 8));
        return response.data().topics().get(0).partitions().get(0);
    }
}
