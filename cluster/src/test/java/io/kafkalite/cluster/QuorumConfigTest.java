package io.kafkalite.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuorumConfigTest {
    private static Map<String, String> combined(int nodeId, int controllerPort) {
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", "1@localhost:9093, 2@localhost:9095,3@127.0.0.1:9097");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listeners", "PLAINTEXT://:9092,CONTROLLER://localhost:" + controllerPort);
        p.put("log.dirs", "/data/a,/data/b");
        return p;
    }

    @Test
    void threeVoters() {
        QuorumConfig c = QuorumConfig.parse(combined(2, 9095));
        assertEquals(2, c.nodeId());
        assertEquals(Set.of("broker", "controller"), c.roles());
        assertEquals(Map.of(1, new BrokerRegistration.HostPort("localhost", 9093), 2, new BrokerRegistration.HostPort("localhost", 9095),
                3, new BrokerRegistration.HostPort("127.0.0.1", 9097)), c.voters());
        assertEquals("CONTROLLER", c.controllerListener());
        assertEquals(new BrokerRegistration.HostPort("localhost", 9095), c.controllerBind());
        assertEquals(Path.of("/data/a/__cluster_metadata-0"), c.metadataDir());
        // derived from the voters: every node gets the same one, and it is a Kafka cluster id (a base64 Uuid)
        assertEquals(c.clusterId(), QuorumConfig.parse(combined(1, 9093)).clusterId());
        assertEquals(22, c.clusterId().length());
        assertEquals(1, c.minInsyncReplicas(), "Kafka's default");
    }

    @Test
    void minInsyncReplicasIsTheDefaultThisNodeProposes() {
        Map<String, String> p = combined(1, 9093);
        p.put("min.insync.replicas", " 2");
        assertEquals(2, QuorumConfig.parse(p).minInsyncReplicas());
        p.put("min.insync.replicas", "0");
        assertThrows(ConfigException.class, () -> QuorumConfig.parse(p));
    }

    @Test
    void aControllerListenerThatIsNotPlaintextStopsStartUp() {
        Map<String, String> p = combined(1, 9093);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT, CONTROLLER:PLAINTEXT");
        assertEquals("CONTROLLER", QuorumConfig.parse(p).controllerListener());
        for (String protocol : List.of("SSL", "SASL_PLAINTEXT", "SASL_SSL")) {
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:" + protocol);
            ConfigException e = assertThrows(ConfigException.class, () -> QuorumConfig.parse(p));
            assertTrue(e.getMessage().contains("CONTROLLER is " + protocol), e.getMessage());
        }
        // unmapped, a controller listener named after a protocol has that protocol
        Map<String, String> named = combined(1, 9093);
        named.put("controller.listener.names", "SSL");
        named.put("listeners", "PLAINTEXT://:9092,SSL://localhost:9093");
        assertThrows(ConfigException.class, () -> QuorumConfig.parse(named));
    }

    @Test
    void aBrokerOnlyNodeIsAListenerReachedAtItsAdvertisedHost() {
        Map<String, String> p = combined(4, 9093);
        p.put("process.roles", "broker");
        p.put("listeners", "PLAINTEXT://:9092");
        p.put("advertised.listeners", "PLAINTEXT://broker4.example:9092");
        QuorumConfig c = QuorumConfig.parse(p);
        assertFalse(c.isVoter());
        assertTrue(c.isBroker());
        assertEquals(3, c.voters().size());
        assertEquals(new BrokerRegistration.HostPort("broker4.example", 0), c.controllerBind(), "port 0: chosen at the first start");
        assertEquals("CONTROLLER", c.controllerListener());
        p.remove("advertised.listeners");
        p.put("listeners", "PLAINTEXT://10.0.0.4:9092");
        assertEquals("10.0.0.4", QuorumConfig.parse(p).controllerBind().host());

        p.put("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093");
        assertTrue(message(p).contains("must not contain a value appearing in the 'listeners'"), message(p));
        p.put("listeners", "PLAINTEXT://:9092");
        p.remove("controller.quorum.voters");
        p.put("controller.quorum.bootstrap.servers", "localhost:9093");
        assertTrue(message(p).contains("controller.quorum.voters"), message(p));
    }

    @Test
    void aControllerOnlyNodeHasOnlyControllerListeners() {
        Map<String, String> p = combined(1, 9093);
        p.put("process.roles", "controller");
        assertTrue(message(p).contains("The listeners config must only contain KRaft controller listeners"), message(p));
        p.put("listeners", "CONTROLLER://localhost:9093");
        QuorumConfig c = QuorumConfig.parse(p);
        assertTrue(c.isVoter());
        assertFalse(c.isBroker());
        assertEquals(new BrokerRegistration.HostPort("localhost", 9093), c.controllerBind());
        p.put("controller.quorum.voters", "1@localhost:9093");
        assertEquals(1, QuorumConfig.parse(p).voters().size(), "a single controller is a quorum of its own, not a one-node broker");
        p.put("node.id", "5");
        assertTrue(message(p).contains("node.id 5 is not among the voters"), message(p));
    }

    @Test
    void oneNodeSetupsAreNull() {
        assertNull(QuorumConfig.parse(Map.of()));
        assertNull(QuorumConfig.parse(Map.of("node.id", "1", "controller.quorum.voters", "1@localhost:9093,2@localhost:9095")));
        Map<String, String> single = combined(1, 9093);
        single.put("controller.quorum.voters", "1@localhost:9093");
        assertNull(QuorumConfig.parse(single));
        Map<String, String> bootstrap = combined(1, 9093);
        bootstrap.remove("controller.quorum.voters");
        bootstrap.put("controller.quorum.bootstrap.servers", "localhost:9093");
        assertNull(QuorumConfig.parse(bootstrap));
    }

    @Test
    void severalBootstrapServersNeedVoters() {
        Map<String, String> p = combined(1, 9093);
        p.remove("controller.quorum.voters");
        p.put("controller.quorum.bootstrap.servers", "localhost:9093,localhost:9095");
        ConfigException e = assertThrows(ConfigException.class, () -> QuorumConfig.parse(p));
        assertTrue(e.getMessage().contains("controller.quorum.voters"), e.getMessage());
    }

    @Test
    void contradictionsAreRefused() {
        Map<String, String> notAVoter = combined(4, 9093);
        assertTrue(message(notAVoter).contains("node.id 4 is not among the voters"), message(notAVoter));

        Map<String, String> brokerOnly = combined(1, 9093);
        brokerOnly.put("process.roles", "broker");
        assertTrue(message(brokerOnly).contains("the node id 1 must not be included in the set of voters"), message(brokerOnly));

        Map<String, String> wrongPort = combined(1, 9099);
        assertTrue(message(wrongPort).contains("port 9093"), message(wrongPort));

        Map<String, String> noListener = combined(1, 9093);
        noListener.put("listeners", "PLAINTEXT://:9092");
        assertTrue(message(noListener).contains("has no CONTROLLER listener"), message(noListener));

        Map<String, String> noNames = combined(1, 9093);
        noNames.remove("controller.listener.names");
        assertTrue(message(noNames).contains("controller.listener.names"), message(noNames));

        Map<String, String> badVoter = combined(1, 9093);
        badVoter.put("controller.quorum.voters", "1@localhost:9093,localhost:9095");
        assertTrue(message(badVoter).contains("id@host:port"), message(badVoter));
    }

    private static String message(Map<String, String> props) {
        return assertThrows(ConfigException.class, () -> QuorumConfig.parse(props)).getMessage();
    }

    @Test
    void clusterIdAndMetadataDir(@TempDir Path dir) throws IOException {
        Map<String, String> p = combined(1, 9093);
        p.remove("log.dirs");
        p.put("log.dir", dir.toString());
        Files.writeString(dir.resolve("meta.properties"), "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\nnode.id=1\n");
        QuorumConfig c = QuorumConfig.parse(p);
        assertEquals("MkU3OEVBNTcwNTJENDM2Qk", c.clusterId());
        assertEquals(dir.resolve("__cluster_metadata-0"), c.metadataDir());

        p.put("cluster.id", "configured");
        p.put("metadata.log.dir", "/meta");
        c = QuorumConfig.parse(p);
        assertEquals("configured", c.clusterId());
        assertEquals(Path.of("/meta/__cluster_metadata-0"), c.metadataDir());
    }
}
