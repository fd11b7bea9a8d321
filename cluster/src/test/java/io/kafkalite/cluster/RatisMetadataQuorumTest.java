package io.kafkalite.cluster;

import static io.kafkalite.cluster.RatisTestCluster.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.MetadataQuorum.ApplyResult;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class RatisMetadataQuorumTest {
    private static final Logger log = LoggerFactory.getLogger(RatisMetadataQuorumTest.class);

    private static MetadataRecord.RegisterBroker register(int id) {
        return new MetadataRecord.RegisterBroker(id, 100 + id, Map.of("PLAINTEXT", new BrokerRegistration.HostPort("localhost", 9000 + id)), null);
    }

    private static MetadataRecord.DurableMapWrite write(String map, int key, int value) {
        return new MetadataRecord.DurableMapWrite(map, List.of(new AbstractMap.SimpleImmutableEntry<>(new byte[] {(byte) key}, new byte[] {(byte) value})));
    }

    @Test
    void replicatesFailsOverAndRecovers(@TempDir Path dir) throws Exception {
        try (RatisTestCluster cluster = new RatisTestCluster(dir, 3)) {
            long start = System.nanoTime();
            cluster.startAll();
            RatisMetadataQuorum leader = cluster.awaitReadyLeader(20_000);
            log.info("MEASURED: 3 nodes started, leader {} ready after {} ms", leader.nodeId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            // the leader proposed InitCluster with the configured id; every node applies it
            await("cluster id on every node", 10_000, () -> cluster.nodes.values().stream().allMatch(q -> "test-cluster-id".equals(q.image().clusterId())));
            // and its min.insync.replicas as the cluster default of the ELR rules
            await("default min.insync.replicas on every node", 10_000,
                    () -> cluster.nodes.values().stream().allMatch(q -> q.image().minInsyncReplicas() == 2));
            assertEquals(leader.nodeId(), cluster.nodes.get(1).leaderId());

            // a follower proposes: its future completes once its own image shows the record
            RatisMetadataQuorum follower = cluster.nodes.values().stream().filter(q -> q != leader).findFirst().orElseThrow();
            ApplyResult r = follower.submit(register(7)).get(10, TimeUnit.SECONDS);
            assertEquals(Errors.NONE, r.error());
            assertNotNull(follower.image().broker(7));
            assertEquals(101 + 6, follower.image().broker(7).incarnation());
            await("registration on every node", 5000, () -> cluster.nodes.values().stream().allMatch(q -> q.image().broker(7) != null));

            // durable map writes reach every node's table; the proposer's before its future completes
            follower.submit(write("group_offsets", 1, 11)).get(10, TimeUnit.SECONDS);
            assertArrayEquals(new byte[] {11}, cluster.tables.get(follower.nodeId()).apply("group_offsets").entries.get(new byte[] {1}));
            await("map write on every node", 5000, () -> cluster.tables.values().stream()
                    .allMatch(t -> t.apply("group_offsets").entries.containsKey(new byte[] {1})));

            // a write the tables refuse: the proposer hears of it, and the log goes on
            var refused = new MetadataRecord.DurableMapWrite("group_offsets", List.of(new AbstractMap.SimpleImmutableEntry<>(new byte[0], new byte[] {1})));
            assertEquals(Errors.KAFKA_STORAGE_ERROR, follower.submit(refused).get(10, TimeUnit.SECONDS).error());
            assertEquals(Errors.KAFKA_STORAGE_ERROR, leader.submit(refused).get(10, TimeUnit.SECONDS).error());
            assertEquals(Errors.NONE, follower.submit(write("group_offsets", 3, 33)).get(10, TimeUnit.SECONDS).error());

            // a coordinator write of an older coordinator epoch: refused, no table changed (the state machine skips it)
            assertEquals(Errors.NONE, leader.submit(new MetadataRecord.CoordinatorEpoch(5)).get(10, TimeUnit.SECONDS).error());
            var stale = new MetadataRecord.DurableMapWrite("group_offsets", List.of(new AbstractMap.SimpleImmutableEntry<>(new byte[] {4}, new byte[] {44})), 4);
            assertEquals(Errors.NOT_COORDINATOR, follower.submit(stale).get(10, TimeUnit.SECONDS).error());
            var current = new MetadataRecord.DurableMapWrite("group_offsets", List.of(new AbstractMap.SimpleImmutableEntry<>(new byte[] {5}, new byte[] {55})), 5);
            assertEquals(Errors.NONE, follower.submit(current).get(10, TimeUnit.SECONDS).error());
            await("epoch-5 write on every node", 5000, () -> cluster.tables.values().stream()
                    .allMatch(t -> t.apply("group_offsets").entries.containsKey(new byte[] {5})));
            assertTrue(cluster.tables.values().stream().noneMatch(t -> t.apply("group_offsets").entries.containsKey(new byte[] {4})),
                    "the stale write is in no table");

            // latency and throughput of proposals from a follower (numbers in the log: offset commits take this path)
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                follower.submit(write("latency", i, i)).get(10, TimeUnit.SECONDS);
            }
            long sequentialUs = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0) / 100;
            t0 = System.nanoTime();
            List<CompletableFuture<ApplyResult>> burst = new ArrayList<>();
            for (int i = 0; i < 900; i++) {
                burst.add(follower.submit(write("throughput", i % 100, i % 127)));
            }
            for (CompletableFuture<ApplyResult> f : burst) {
                assertEquals(Errors.NONE, f.get(20, TimeUnit.SECONDS).error());
            }
            long perSecond = 900L * 1_000_000_000L / (System.nanoTime() - t0);
            log.info("MEASURED: one proposal at a time from a follower: {} us each; 900 in flight: {} per second", sequentialUs, perSecond);

            // DescribeQuorum from the leader: every voter, the commit index as high watermark
            MetadataQuorum.QuorumInfo info = leader.describe();
            assertEquals(leader.nodeId(), info.leaderId());
            assertEquals(3, info.voters().size());
            assertTrue(info.highWatermark() >= r.index(), info.toString());

            // the leader stops: another takes over within a few seconds, and proposals work again
            int stopped = leader.nodeId();
            long stopAt = System.nanoTime();
            cluster.stop(stopped);
            RatisMetadataQuorum next = cluster.awaitReadyLeader(10_000);
            long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);
            log.info("MEASURED: new leader {} ready {} ms after leader {} stopped", next.nodeId(), failoverMs, stopped);
            assertNotEquals(stopped, next.nodeId());
            assertTrue(failoverMs < 9000, "failover took " + failoverMs + " ms");
            for (RatisMetadataQuorum q : cluster.nodes.values()) {
                assertEquals(Errors.NONE, q.submit(register(10 + q.nodeId())).get(10, TimeUnit.SECONDS).error());
            }
            next.submit(write("group_offsets", 2, 22)).get(10, TimeUnit.SECONDS);

            // the stopped node restarts from its log and catches up: same image, same tables
            long restartAt = System.nanoTime();
            RatisMetadataQuorum restarted = cluster.start(stopped);
            log.info("MEASURED: RatisMetadataQuorum.start of a node with a log took {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartAt));
            await("restarted node caught up", 15_000, () -> restarted.image().equals(next.image()));
            log.info("MEASURED: restarted node {} caught up in {} ms", stopped, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartAt));
            assertArrayEquals(new byte[] {22}, cluster.tables.get(stopped).apply("group_offsets").entries.get(new byte[] {2}));
            assertEquals(Errors.NONE, restarted.submit(register(20)).get(10, TimeUnit.SECONDS).error());

            // DescribeQuorum on a node that does not lead: the leader's view
            MetadataQuorum.QuorumInfo described = restarted.describe();
            assertEquals(next.nodeId(), described.leaderId());
            assertTrue(described.leaderEpoch() > info.leaderEpoch(), described.toString());
            assertTrue(described.voters().stream().allMatch(v -> v.logEndOffset() > 0), described.toString());
        }
    }

    @Test
    void aNodeThatLostItsTablesOrItsWholeDirectoryCatchesUp(@TempDir Path dir) throws Exception {
        try (RatisTestCluster cluster = new RatisTestCluster(dir, 3)) {
            cluster.startAll();
            RatisMetadataQuorum leader = cluster.awaitReadyLeader(20_000);
            for (int i = 0; i < 20; i++) {
                leader.submit(write(i % 2 == 0 ? "group_offsets" : "acls", i, i)).get(10, TimeUnit.SECONDS);
            }
            leader.submit(register(1)).get(10, TimeUnit.SECONDS);
            List<Integer> followers = cluster.nodes.keySet().stream().filter(id -> id != leader.nodeId()).toList();

            // its LMDB tables lost (the Ratis log kept): the snapshot taken at its stop holds the tables' content
            int lostTables = followers.get(0);
            cluster.stop(lostTables);
            cluster.tables.put(lostTables, new TestDurableMap.Tables());
            leader.submit(write("group_offsets", 100, 100)).get(10, TimeUnit.SECONDS);
            RatisMetadataQuorum back = cluster.start(lostTables);
            await("tables rebuilt", 15_000, () -> back.image().equals(leader.image()) && sameTables(cluster, leader.nodeId(), lostTables));

            // everything lost (a new disk): the leader sends it the log (or a snapshot) again
            int lostAll = followers.get(1);
            cluster.stop(lostAll);
            org.apache.kafka.common.utils.Utils.delete(cluster.config(lostAll).metadataDir().toFile());
            cluster.tables.put(lostAll, new TestDurableMap.Tables());
            leader.submit(write("acls", 101, 101)).get(10, TimeUnit.SECONDS);
            RatisMetadataQuorum fresh = cluster.start(lostAll);
            await("new disk caught up", 15_000, () -> fresh.image().equals(leader.image()) && sameTables(cluster, leader.nodeId(), lostAll));
            assertEquals(11, cluster.tables.get(lostAll).apply("acls").entries.size());
        }
    }

    private static boolean sameTables(RatisTestCluster cluster, int a, int b) {
        for (String name : List.of("group_offsets", "acls")) {
            var x = cluster.tables.get(a).apply(name).entries;
            var y = cluster.tables.get(b).apply(name).entries;
            if (x.size() != y.size() || !x.keySet().stream().allMatch(k -> java.util.Arrays.equals(x.get(k), y.get(k)))) {
                return false;
            }
        }
        return true;
    }
}
