package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.handlers.replication.ReplicationFixture;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KIP-392 on node 1 of a three-broker cluster (racks rack1-rack3, Kafka's RackAwareReplicaSelector): as leader it sends
 * a consumer to an in-sync follower of the consumer's rack that holds the fetch offset; as follower it serves consumers
 * from its own log up to its high watermark, with Kafka's errors.
 */
class ClosestReplicaFetchTest {
    private ReplicationFixture cluster;
    private FetchHandler fetch;

    @BeforeEach
    void start() throws Exception {
        cluster = new ReplicationFixture();
        fetch = new FetchHandler(cluster.store, Runnable::run, Authorization.NONE, 10, cluster.replicas);
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    /** A sessionless fetch of one partition by replica {@code replicaId} (-1: a consumer in {@code rack}). */
    private FetchRequest fetchRequest(short version, int replicaId, String rack, TopicPartition tp, long offset, int epoch) {
        FetchRequestData data = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20).setSessionEpoch(-1);
        if (version >= 15) {
            data.setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(replicaId));
        } else {
            data.setReplicaId(replicaId);
        }
        if (version >= 11) {
            data.setRackId(rack);
        }
        data.topics().add(new FetchRequestData.FetchTopic().setTopic(tp.topic()).setTopicId(cluster.topicId(tp))
                .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(tp.partition()).setFetchOffset(offset)
                        .setCurrentLeaderEpoch(epoch).setPartitionMaxBytes(1 << 20))));
        return request(ApiKeys.FETCH, data, version);
    }

    private FetchResponseData.PartitionData consumerFetch(short version, String rack, TopicPartition tp, long offset, int epoch)
            throws Exception {
        FetchResponse response = answer(fetch, fetchRequest(version, -1, rack, tp, offset, epoch));
        return response.data().responses().get(0).partitions().get(0);
    }

    private static List<Long> offsets(FetchResponseData.PartitionData pd) {
        List<Long> offsets = new ArrayList<>();
        for (Record r : FetchResponse.recordsOrFail(pd).records()) {
            offsets.add(r.offset());
        }
        return offsets;
    }

    /** Node 1 leads {@code tp}: {@code count} records, then followers 2 and 3 fetch at these offsets (their log ends). */
    private void leaderWith(TopicPartition tp, int count, long follower2, long follower3) {
        PartitionLog log = cluster.partition(tp);
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(("v" + i).getBytes());
        }
        cluster.store.append(log, MemoryRecords.withRecords(Compression.NONE, records), System.currentTimeMillis());
        cluster.replicas.followerFetched(log, 2, follower2);
        cluster.replicas.followerFetched(log, 3, follower3);
    }

    @Test
    void theLeaderSendsAConsumerToAnInSyncFollowerOfItsRack() throws Exception {
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2, 3);
        leaderWith(tp, 5, 5, 5);

        FetchResponseData.PartitionData sent = consumerFetch((short) 17, "rack2", tp, 1, 0);
        assertEquals(Errors.NONE, Errors.forCode(sent.errorCode()));
        assertEquals(2, sent.preferredReadReplica());
        assertEquals(List.of(), offsets(sent), "no records with a preferred read replica, as Kafka");
        assertEquals(List.of(5L, 5L, 0L), List.of(sent.highWatermark(), sent.lastStableOffset(), sent.logStartOffset()));

        FetchResponseData.PartitionData own = consumerFetch((short) 17, "rack1", tp, 1, 0);
        assertEquals(-1, own.preferredReadReplica(), "the leader is in the consumer's rack");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), offsets(own));
        assertEquals(-1, consumerFetch((short) 17, "", tp, 1, 0).preferredReadReplica(), "no rack: the leader");
        assertEquals(-1, consumerFetch((short) 17, "rack9", tp, 1, 0).preferredReadReplica(), "no replica in that rack");
        assertEquals(-1, consumerFetch((short) 10, null, tp, 1, 0).preferredReadReplica(), "no client metadata before v11");
        assertEquals(Errors.UNKNOWN_LEADER_EPOCH, Errors.forCode(consumerFetch((short) 17, "rack2", tp, 1, 1).errorCode()));
    }

    @Test
    void aFollowerWithoutTheFetchOffsetOrOutOfTheIsrIsNotChosen() throws Exception {
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2, 3);
        leaderWith(tp, 5, 2, 5);
        assertEquals(2, consumerFetch((short) 17, "rack2", tp, 2, 0).preferredReadReplica(), "2 holds offset 2");
        FetchResponseData.PartitionData behind = consumerFetch((short) 17, "rack2", tp, 3, 0);
        assertEquals(-1, behind.preferredReadReplica(), "2's log ends at 2");
        assertEquals(Errors.NONE, Errors.forCode(behind.errorCode()));

        assertEquals(3, consumerFetch((short) 17, "rack3", tp, 3, 0).preferredReadReplica());
        cluster.submit(new MetadataRecord.FenceBroker(3)); // leaves the ISR, and its endpoint is gone
        assertEquals(-1, consumerFetch((short) 17, "rack3", tp, 3, 0).preferredReadReplica());
    }

    /** Batches from {@code base} at leader epoch 0, as a follower gets them from its leader. */
    private static MemoryRecords leaderBatch(long base, int count) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, base, System.currentTimeMillis(), RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
                RecordBatch.NO_SEQUENCE, false, 0);
        for (int i = 0; i < count; i++) {
            builder.append(System.currentTimeMillis(), null, ("r" + (base + i)).getBytes());
        }
        return builder.build();
    }

    @Test
    void aFollowerServesConsumersUpToItsHighWatermark() throws Exception {
        TopicPartition tp = cluster.createTopic("f", Map.of(), 2, 1); // node 1 follows 2 at epoch 0
        PartitionLog log = cluster.partition(tp);
        for (int i = 0; i < 5; i++) {
            cluster.store.appendAsFollower(log, leaderBatch(i, 1));
        }
        cluster.store.updateHighWatermark(log, 3); // as learnt from the leader's answer

        FetchResponseData.PartitionData read = consumerFetch((short) 17, "rack1", tp, 0, 0);
        assertEquals(Errors.NONE, Errors.forCode(read.errorCode()));
        assertEquals(List.of(0L, 1L, 2L), offsets(read));
        assertEquals(List.of(3L, 3L, -1), List.of(read.highWatermark(), read.lastStableOffset(), read.preferredReadReplica()));
        FetchResponseData.PartitionData unreplicated = consumerFetch((short) 17, "rack1", tp, 4, 0);
        assertEquals(Errors.NONE, Errors.forCode(unreplicated.errorCode()), "between the high watermark and the log end: empty");
        assertEquals(List.of(), offsets(unreplicated));
        assertEquals(Errors.OFFSET_OUT_OF_RANGE, Errors.forCode(consumerFetch((short) 17, "rack1", tp, 6, 0).errorCode()));
        assertEquals(Errors.UNKNOWN_LEADER_EPOCH, Errors.forCode(consumerFetch((short) 17, "rack1", tp, 0, 1).errorCode()));
        assertEquals(Errors.NONE, Errors.forCode(consumerFetch((short) 17, "rack1", tp, 0, -1).errorCode()), "no epoch: no check");
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(consumerFetch((short) 10, null, tp, 0, -1).errorCode()),
                "without client metadata only the leader serves");

        cluster.submit(new MetadataRecord.FenceBroker(2)); // node 1 leads at epoch 1 now
        assertEquals(Errors.FENCED_LEADER_EPOCH, Errors.forCode(consumerFetch((short) 17, "rack1", tp, 0, 0).errorCode()));
    }

    @Test
    void aParkedConsumerFetchOnAFollowerWakesWhenItsHighWatermarkMoves() throws Exception {
        TopicPartition tp = cluster.createTopic("f", Map.of(), 2, 1);
        PartitionLog log = cluster.partition(tp);
        cluster.store.appendAsFollower(log, leaderBatch(0, 2));
        cluster.store.updateHighWatermark(log, 2);
        ArrayDeque<Runnable> pool = new ArrayDeque<>();
        FetchHandler consumerSide = new FetchHandler(cluster.store, pool::add, Authorization.NONE, 10, cluster.replicas);
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        try {
            FetchRequest body = request(ApiKeys.FETCH, fetchRequest((short) 17, -1, "rack1", tp, 2, 0).data().setMaxWaitMs(20_000), (short) 17);
            CompletableFuture<AbstractResponse> parked = consumerSide.handle(new KafkaRequest(HandlerCalls.context(body).context(), body,
                    channel.eventLoop(), channel.closeFuture()), body);
            cluster.store.appendAsFollower(log, leaderBatch(2, 3));
            runAll(pool);
            assertFalse(parked.isDone(), "appended, but not below the high watermark yet");
            cluster.store.updateHighWatermark(log, 5);
            runAll(pool);
            FetchResponseData.PartitionData pd = ((FetchResponse) parked.get(5, TimeUnit.SECONDS)).data().responses().get(0).partitions().get(0);
            assertEquals(5, pd.highWatermark());
            assertEquals(List.of(2L, 3L, 4L), offsets(pd));
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static void runAll(ArrayDeque<Runnable> pool) {
        while (!pool.isEmpty()) {
            pool.poll().run();
        }
    }
}
