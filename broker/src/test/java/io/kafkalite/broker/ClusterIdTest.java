package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataQuorum;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cluster mode: the log store's cluster id must be the quorum's; data of another cluster stops the start-up. */
class ClusterIdTest {
    @TempDir
    Path dir;

    private static BrokerBuilder clusterNode(LocalQuorum.Log log, List<MetadataQuorum> quorums) {
        return LocalCluster.node(1, 3, 0).quorum(LocalQuorumStarter.of(log, quorums));
    }

    @Test
    void aNewStoreTakesTheQuorumsIdAndAnotherClustersDataIsRefused() throws Exception {
        List<MetadataQuorum> quorums = new ArrayList<>();
        String clusterId;
        try (LocalQuorum.Log log = new LocalQuorum.Log(); Broker node = clusterNode(log, quorums).dataDir(dir.resolve("a")).start()) {
            clusterId = node.clusterId();
        }
        try (LocalQuorum.Log log = new LocalQuorum.Log(); Broker again = clusterNode(log, quorums).dataDir(dir.resolve("a")).start()) {
            assertEquals(clusterId, again.clusterId(), "derived from the voters: the same on every start");
        }
        try (Broker single = Broker.builder().dataDir(dir.resolve("b")).start()) {
            assertTrue(!single.clusterId().equals(clusterId));
        }
        try (LocalQuorum.Log log = new LocalQuorum.Log()) {
            ConfigException cause = assertThrows(ConfigException.class,
                    () -> clusterNode(log, quorums).dataDir(dir.resolve("b")).start());
            assertTrue(cause.getMessage().startsWith("The log directories belong to cluster "), cause.getMessage());
            assertTrue(cause.getMessage().contains("the metadata quorum's cluster is " + clusterId), cause.getMessage());
        }
    }
}
