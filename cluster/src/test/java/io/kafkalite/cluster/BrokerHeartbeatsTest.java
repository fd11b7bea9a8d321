package io.kafkalite.cluster;

import static io.kafkalite.cluster.RatisTestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerHeartbeatsTest {
    private static final long INTERVAL_MS = 200;
    private static final long SESSION_MS = 2000;

    @Test
    void registersUnfencesFencesTheSilentAndShutsDown(@TempDir Path dir) throws Exception {
        try (RatisTestCluster cluster = new RatisTestCluster(dir, 3)) {
            cluster.startAll();
            Map<Integer, BrokerHeartbeats> heartbeats = new HashMap<>();
            try {
                for (var e : cluster.nodes.entrySet()) {
                    heartbeats.put(e.getKey(), BrokerHeartbeats.start(e.getValue(), e.getKey(),
                            Map.of("PLAINTEXT", new BrokerRegistration.HostPort("localhost", 9090 + e.getKey())), "rack" + e.getKey(),
                            INTERVAL_MS, SESSION_MS));
                }
                RatisMetadataQuorum node1 = cluster.nodes.get(1);
                await("three registered, unfenced brokers", 20_000, () -> List.of(1, 2, 3).stream().allMatch(id -> {
                    BrokerRegistration b = node1.image().broker(id);
                    return b != null && !b.fenced() && b.incarnation() == heartbeats.get(id).incarnation();
                }));
                assertEquals("rack2", node1.image().broker(2).rack());

                // a broker that registers and never heartbeats is fenced by the leader after the session timeout
                RatisMetadataQuorum leader = cluster.awaitReadyLeader(5000);
                long registeredAt = System.nanoTime();
                assertEquals(Errors.NONE, node1.submit(new MetadataRecord.RegisterBroker(9, 99, Map.of(), null)).get(10, TimeUnit.SECONDS).error());
                assertEquals(Errors.NONE, node1.submit(new MetadataRecord.UnfenceBroker(9, 99)).get(10, TimeUnit.SECONDS).error());
                assertFalse(leader.image().broker(9).fenced());
                await("silent broker 9 fenced", 10_000, () -> leader.image().broker(9).fenced());
                long fencedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - registeredAt);
                assertTrue(fencedAfterMs >= SESSION_MS, "fenced " + fencedAfterMs + " ms after it registered, before its session timed out");
                // the heartbeating ones stay unfenced through all of this
                assertTrue(List.of(1, 2, 3).stream().noneMatch(id -> leader.image().broker(id).fenced()));

                // a clean stop: controlled shutdown, applied before close returns
                heartbeats.remove(3).close();
                BrokerRegistration three = cluster.nodes.get(3).image().broker(3);
                assertTrue(three.fenced() && three.shuttingDown(), three.toString());
            } finally {
                heartbeats.values().forEach(BrokerHeartbeats::close);
            }
        }
    }
}
