package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.logstore.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Node 1's ReplicaManager against a LocalQuorum: roles from the images, the high watermark, ISR changes, acks=all. */
class ReplicaManagerTest {
    private ReplicationFixture cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static MemoryRecords records(int n) {
        SimpleRecord[] rs = new SimpleRecord[n];
        for (int i = 0; i < n; i++) {
            rs[i] = new SimpleRecord(1_000L + i, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, rs);
    }

    /** Appends {@code n} records as the leader does and returns the last offset. */
    private long append(TopicPartition tp, int n) {
        return cluster.store.append(cluster.partition(tp), records(n), cluster.clock.get()).lastOffset();
    }

    @Test
    void noRoleBeforeThisRunIsRegisteredAndUnfenced() throws Exception {
        AtomicBoolean registered = new AtomicBoolean();
        cluster = new ReplicationFixture(30_000, ReplicaManager.MAX_PARKED_PRODUCES, image -> registered.get());
        TopicPartition led = cluster.createTopic("led", Map.of(), 1, 2, 3);
        TopicPartition followed = cluster.createTopic("followed", Map.of(), 2, 1, 3);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.leaderError(led, -1), "the image says it leads: not yet");
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.leaderError(led, 0));
        assertEquals(-1, cluster.replicas.leaderEpoch(followed));
        assertEquals(List.of(), cluster.fetchers.calls(), "no fetching either");

        registered.set(true);
        cluster.replicas.registrationChanged();
        cluster.sync();
        assertEquals(Errors.NONE, cluster.replicas.leaderError(led, 0));
        assertTrue(cluster.fetchers.calls().contains("follow followed-0 leader 2 epoch 0"), cluster.fetchers.calls().toString());
        registered.set(false); // later images are acted on: the new registration removed this node from old roles
        cluster.submit(new MetadataRecord.FenceBroker(2));
        assertEquals(Errors.NONE, cluster.replicas.leaderError(followed, 1), "leads after 2 was fenced");
    }

    @Test
    void leaderHighWatermarkIsTheLeastLogEndOfTheIsrAndCompletesAcksAll() throws Exception {
        cluster = new ReplicationFixture();
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2, 3);
        PartitionLog log = cluster.partition(tp);
        assertEquals(Errors.NONE, cluster.replicas.leaderError(tp, -1));
        assertEquals(Errors.NONE, cluster.replicas.leaderError(tp, 0));
        assertEquals(Errors.UNKNOWN_LEADER_EPOCH, cluster.replicas.leaderError(tp, 1));
        assertEquals(0, log.leaderEpoch());
        assertTrue(cluster.fetchers.calls().contains("stop t-0"), cluster.fetchers.calls().toString());

        long last = append(tp, 3);
        assertEquals(2, last);
        assertEquals(0, log.highWatermark(), "the followers' log ends are unknown");
        CompletableFuture<Errors> acked = cluster.replicas.awaitReplication(log, 0, last, 30_000);
        cluster.replicas.followerFetched(log, 2, 3);
        assertEquals(0, log.highWatermark(), "follower 3 has not fetched yet");
        cluster.replicas.followerFetched(log, 3, 1);
        assertEquals(1, log.highWatermark());
        assertFalse(acked.isDone());
        cluster.replicas.followerFetched(log, 3, 3);
        assertEquals(3, log.highWatermark());
        assertEquals(Errors.NONE, acked.get(5, TimeUnit.SECONDS));
        assertEquals(0, cluster.replicas.parkedProduces());

        // a produce already below the high watermark completes at once
        assertEquals(Errors.NONE, cluster.replicas.awaitReplication(log, 0, 1, 30_000).getNow(null));
        // a fetch by a broker that is not a replica changes nothing
        cluster.replicas.followerFetched(log, 4, 0);
        assertEquals(3, log.highWatermark());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.followerError(tp, 4, -1));
        assertEquals(Errors.NONE, cluster.replicas.followerError(tp, 2, 0));
    }

    @Test
    void aLoneLeaderMovesTheHighWatermarkWithEachAppend() throws Exception {
        cluster = new ReplicationFixture();
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1);
        long last = append(tp, 4);
        assertEquals(4, cluster.partition(tp).highWatermark());
        assertEquals(Errors.NONE, cluster.replicas.awaitReplication(cluster.partition(tp), 0, last, 30_000).getNow(null));
    }

    @Test
    void laggingFollowerLeavesTheIsrAndRejoinsOnceCaughtUp() throws Exception {
        cluster = new ReplicationFixture();
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2, 3);
        PartitionLog log = cluster.partition(tp);
        append(tp, 5);
        cluster.replicas.followerFetched(log, 2, 5);
        cluster.replicas.followerFetched(log, 3, 2); // behind, and stays there

        cluster.clock.addAndGet(20_000);
        cluster.replicas.shrinkLaggingIsrs();
        cluster.sync();
        assertEquals(List.of(1, 2, 3), cluster.state(tp).isr(), "not lagging for replica.lag.time.max.ms yet");

        cluster.clock.addAndGet(11_000);
        cluster.replicas.followerFetched(log, 2, 5); // 2 keeps up
        cluster.replicas.shrinkLaggingIsrs();
        cluster.await(() -> cluster.state(tp).isr().equals(List.of(1, 2)), "3 out of the ISR");
        assertEquals(List.of(1, 2), cluster.replicas.replication(tp).isr());
        assertEquals(5, log.highWatermark(), "the ISR without 3 is at the log end");

        cluster.replicas.followerFetched(log, 3, 4); // below the high watermark: not yet
        cluster.sync();
        assertEquals(List.of(1, 2), cluster.state(tp).isr());
        assertNull(cluster.replicas.replication(tp).pendingIsr());
        cluster.replicas.followerFetched(log, 3, 5);
        cluster.await(() -> cluster.state(tp).isr().equals(List.of(1, 2, 3)), "3 back in the ISR");
        assertNull(cluster.replicas.replication(tp).pendingIsr());
    }

    @Test
    void minInsyncReplicasBeforeAndAfterTheAppend() throws Exception {
        cluster = new ReplicationFixture();
        TopicPartition tp = cluster.createTopic("t", Map.of("min.insync.replicas", "3"), 1, 2, 3);
        PartitionLog log = cluster.partition(tp);
        assertEquals(Errors.NONE, cluster.replicas.enoughReplicas(log));
        long last = append(tp, 2);
        CompletableFuture<Errors> acked = cluster.replicas.awaitReplication(log, 0, last, 30_000);
        cluster.replicas.followerFetched(log, 2, 2);
        cluster.clock.addAndGet(31_000);
        cluster.replicas.followerFetched(log, 2, 2);
        cluster.replicas.shrinkLaggingIsrs(); // 3 never fetched: out
        cluster.await(() -> cluster.state(tp).isr().equals(List.of(1, 2)), "3 out of the ISR");
        cluster.sync();
        assertEquals(Errors.NOT_ENOUGH_REPLICAS, cluster.replicas.enoughReplicas(log));
        // as Kafka (KIP-966): below min.insync.replicas the high watermark holds, though the ISR [1, 2] is at 2
        cluster.replicas.followerFetched(log, 2, 2);
        assertEquals(0, log.highWatermark());
        assertFalse(acked.isDone());
        // 3 catches up and rejoins: the high watermark moves and the produce completes
        cluster.replicas.followerFetched(log, 3, 2);
        cluster.await(() -> cluster.state(tp).isr().equals(List.of(1, 2, 3)), "3 back in the ISR");
        cluster.replicas.followerFetched(log, 3, 2);
        cluster.await(acked::isDone, "the parked produce");
        assertEquals(Errors.NONE, acked.get());
        assertEquals(2, log.highWatermark());
    }

    @Test
    void minInsyncReplicasCountsAtMostTheReplicationFactor() throws Exception {
        cluster = new ReplicationFixture();
        TopicPartition tp = cluster.createTopic("t", Map.of("min.insync.replicas", "3"), 1, 2);
        PartitionLog log = cluster.partition(tp);
        assertEquals(Errors.NONE, cluster.replicas.enoughReplicas(log), "two replicas: the effective min ISR is 2");
        long last = append(tp, 2);
        CompletableFuture<Errors> acked = cluster.replicas.awaitReplication(log, 0, last, 30_000);
        cluster.replicas.followerFetched(log, 2, 2);
        cluster.await(acked::isDone, "the parked produce");
        assertEquals(Errors.NONE, acked.get());
    }

    @Test
    void losingLeadershipFailsParkedProducesAndFollowsTheNewLeader() throws Exception {
        cluster = new ReplicationFixture();
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2, 3);
        PartitionLog log = cluster.partition(tp);
        CompletableFuture<Errors> acked = cluster.replicas.awaitReplication(log, 0, append(tp, 1), 30_000);
        cluster.submit(new MetadataRecord.FenceBroker(1));
        assertEquals(2, cluster.state(tp).leader());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, acked.get(5, TimeUnit.SECONDS));
        assertEquals(0, cluster.replicas.parkedProduces());
        assertEquals("follow t-0 leader 2 epoch 1", cluster.fetchers.calls().get(cluster.fetchers.calls().size() - 1));
        assertEquals(1, log.leaderEpoch());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.leaderError(tp, -1));
        assertEquals(Errors.FENCED_LEADER_EPOCH, cluster.replicas.leaderError(tp, 0));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.leaderError(tp, 1));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.awaitReplication(log, 0, 5, 30_000).getNow(null));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.enoughReplicas(log));
    }

    @Test
    void parkedProducesTimeOutAndAreCapped() throws Exception {
        cluster = new ReplicationFixture(30_000, 2);
        TopicPartition tp = cluster.createTopic("t", Map.of(), 1, 2);
        PartitionLog log = cluster.partition(tp);
        long last = append(tp, 1);
        CompletableFuture<Errors> first = cluster.replicas.awaitReplication(log, 0, last, 30_000);
        CompletableFuture<Errors> second = cluster.replicas.awaitReplication(log, 0, last, 30_000);
        assertEquals(Errors.REQUEST_TIMED_OUT, cluster.replicas.awaitReplication(log, 0, last, 30_000).getNow(null), "over the cap");
        assertEquals(2, cluster.replicas.parkedProduces());
        cluster.replicas.followerFetched(log, 2, last + 1);
        assertEquals(Errors.NONE, first.get(5, TimeUnit.SECONDS));
        assertEquals(Errors.NONE, second.get(5, TimeUnit.SECONDS));

        // a short wait times out, and frees its place (checked apart from the cap: its timer runs in real time)
        long next = append(tp, 1);
        CompletableFuture<Errors> timesOut = cluster.replicas.awaitReplication(log, 0, next, 50);
        CompletableFuture<Errors> waits = cluster.replicas.awaitReplication(log, 0, next, 30_000);
        assertEquals(Errors.REQUEST_TIMED_OUT, timesOut.get(5, TimeUnit.SECONDS));
        assertFalse(waits.isDone());
        assertEquals(1, cluster.replicas.parkedProduces());
        CompletableFuture<Errors> third = cluster.replicas.awaitReplication(log, 0, next, 30_000); // room again
        cluster.replicas.followerFetched(log, 2, next + 1);
        assertEquals(Errors.NONE, waits.get(5, TimeUnit.SECONDS));
        assertEquals(Errors.NONE, third.get(5, TimeUnit.SECONDS));
        assertEquals(0, cluster.replicas.parkedProduces());
    }

    @Test
    void partitionsOfOtherBrokersAndDeletedTopicsAreNotHeld() throws Exception {
        cluster = new ReplicationFixture();
        TopicPartition other = cluster.createTopic("other", Map.of(), 2, 3);
        assertNull(cluster.replicas.replication(other));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.leaderError(other, -1));

        TopicPartition tp = cluster.createTopic("t", Map.of(), 2, 1);
        assertEquals("follow t-0 leader 2 epoch 0", cluster.fetchers.calls().get(cluster.fetchers.calls().size() - 1));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, cluster.replicas.leaderError(tp, 0));
        CompletableFuture<Errors> notLeader = cluster.replicas.awaitReplication(cluster.partition(tp), 0, 0, 30_000);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, notLeader.getNow(null));

        cluster.submit(new MetadataRecord.DeleteTopic(cluster.topicId(tp)));
        assertNull(cluster.replicas.replication(tp));
        assertEquals("stop t-0", cluster.fetchers.calls().get(cluster.fetchers.calls().size() - 1));
    }
}
