package io.kafkalite.cluster;

import static io.kafkalite.cluster.RatisTestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker-only node follows the metadata as a Ratis listener of three voters: it applies, proposes, never votes. */
class RatisListenerTest {
    private static MetadataRecord.RegisterBroker register(int id) {
        return new MetadataRecord.RegisterBroker(id, 100 + id, Map.of("PLAINTEXT", new BrokerRegistration.HostPort("localhost", 9000 + id)), null);
    }

    @Test
    void aListenerAppliesTheLogProposesAndSurvivesAFailoverAndARestart(@TempDir Path dir) throws Exception {
        try (RatisTestCluster cluster = new RatisTestCluster(dir, 3)) {
            cluster.startAll();
            RatisMetadataQuorum leader = cluster.awaitReadyLeader(20_000);
            assertEquals(Errors.NONE, leader.submit(register(7)).get(10, TimeUnit.SECONDS).error());

            // joins a running group and gets what was committed before
            RatisMetadataQuorum listener = cluster.startListener(4);
            await("the listener applied the earlier records", 20_000,
                    () -> listener.image().broker(7) != null && "test-cluster-id".equals(listener.image().clusterId()));
            assertTrue(listener.isListener(), "a listener, not a follower");
            assertEquals(leader.nodeId(), listener.leaderId());
            assertEquals(List.of(1, 2, 3), listener.describe().voters().stream().map(MetadataQuorum.ReplicaProgress::nodeId).toList());
            await("DescribeQuorum, asked of the listener, lists it as an observer", 10_000,
                    () -> listener.describe().observers().stream().anyMatch(o -> o.nodeId() == 4 && o.logEndOffset() > 0));

            // a second listener joins without pushing the first out of the group's configuration
            RatisMetadataQuorum second = cluster.startListener(5);
            await("both listeners are observers", 20_000, () -> second.describe().observers().stream()
                    .map(MetadataQuorum.ReplicaProgress::nodeId).toList().containsAll(List.of(4, 5)));

            // a listener proposes through the leader; its future completes once its own image shows the record
            assertEquals(Errors.NONE, listener.submit(register(8)).get(10, TimeUnit.SECONDS).error());
            assertTrue(listener.image().broker(8) != null);
            await("the other listener applied it too", 10_000, () -> second.image().broker(8) != null);

            // the leader goes: the two other voters elect one of them, and the listener follows the new leader
            cluster.stop(leader.nodeId());
            RatisMetadataQuorum next = cluster.awaitReadyLeader(20_000);
            assertNotEquals(4, next.nodeId());
            assertEquals(Errors.NONE, listener.submit(register(9)).get(20, TimeUnit.SECONDS).error());
            assertTrue(listener.isListener());
            await("the second listener follows the new leader too", 10_000, () -> second.image().broker(9) != null);

            // restarted, it listens on the port it had and catches up on what it missed
            Path portFile = dir.resolve("node4").resolve(QuorumConfig.METADATA_DIR_NAME).resolve(QuorumConfig.LISTENER_PORT_FILE);
            String port = Files.readString(portFile);
            cluster.stop(4);
            assertEquals(Errors.NONE, next.submit(register(10)).get(10, TimeUnit.SECONDS).error());
            RatisMetadataQuorum again = cluster.startListener(4);
            await("the restarted listener caught up", 20_000, () -> again.image().broker(10) != null);
            assertEquals(port, Files.readString(portFile));
            assertTrue(again.isListener());
            assertFalse(again.isLeaderReady());
        }
    }
}
