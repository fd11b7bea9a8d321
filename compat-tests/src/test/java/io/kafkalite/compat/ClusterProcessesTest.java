package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster harness itself, with stand-in nodes ({@link FakeClusterNode}): processes, ports, logs, partitions. */
class ClusterProcessesTest {
    @TempDir
    Path dir;

    @Test
    void startsKillsAndRestartsNodesOnTheirPorts() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.builder("harness-loopback", dir).mainClass(FakeClusterNode.class.getName())
                .config("min.insync.replicas", "1").start()) {
            // the configuration contract of each node
            Properties props = new Properties();
            try (var r = Files.newBufferedReader(cluster.node(2).config)) {
                props.load(r);
            }
            ClusterProcesses.Node n1 = cluster.node(1);
            ClusterProcesses.Node n3 = cluster.node(3);
            assertEquals("broker,controller", props.getProperty("process.roles"));
            assertEquals("2", props.getProperty("node.id"));
            assertEquals("1@127.0.0.1:" + n1.controllerPort + ",2@127.0.0.1:" + cluster.node(2).controllerPort + ",3@127.0.0.1:"
                    + n3.controllerPort, props.getProperty("controller.quorum.voters"));
            assertEquals("PLAINTEXT://127.0.0.1:" + cluster.node(2).port + ",CONTROLLER://127.0.0.1:" + cluster.node(2).controllerPort,
                    props.getProperty("listeners"));
            assertEquals("1", props.getProperty("min.insync.replicas"), "a test's config wins over the defaults");
            assertEquals(cluster.node(2).dataDir.toString(), props.getProperty("log.dirs"));
            assertEquals("127.0.0.1:" + n1.port + ",127.0.0.1:" + cluster.node(2).port + ",127.0.0.1:" + n3.port, cluster.bootstrap());
            assertTrue(listening("127.0.0.1", n3.controllerPort));

            // when
            long pidBefore = n3.pid();
            cluster.kill9(3);
            // then
            assertFalse(n3.alive());
            assertFalse(listening("127.0.0.1", n3.port));
            assertTrue(n1.alive());

            // when
            cluster.start(3);
            // then: same ports, new process, one log with both runs
            assertTrue(listening("127.0.0.1", n3.port));
            assertNotEquals(pidBefore, n3.pid());
            cluster.await("the restarted node's line in the log", java.time.Duration.ofSeconds(10), () -> {
                String log = log(n3); // printed once every listener is bound
                return log.substring(log.indexOf("killed node 3")).contains("fake node 3 listening");
            });
            String log = log(n3);
            assertTrue(log.contains("harness: killed node 3 (kill -9)"), log);
            assertEquals(2, log.lines().filter(l -> l.contains("harness: starting node 3 (127.0.0.1:" + n3.port + ")")).count(), log);
            assertTrue(n3.log.startsWith(Subprocess.moduleDir().resolve("target/cluster-logs/harness-loopback")));

            cluster.restart(1);
            assertTrue(listening("127.0.0.1", n1.port));
            assertEquals(143, cluster.terminate(2, java.time.Duration.ofSeconds(10)), "SIGTERM");
        }
    }

    @Test
    void closeKillsEveryNode() throws Exception {
        ClusterProcesses cluster = ClusterProcesses.builder("harness-close", dir).mainClass(FakeClusterNode.class.getName()).start();
        var handles = cluster.nodes().stream().map(n -> ProcessHandle.of(n.pid()).orElseThrow()).toList();
        cluster.close();
        handles.forEach(h -> assertFalse(h.isAlive(), "process " + h.pid()));
    }

    @Test
    void isolatesANodeInItsNetworkNamespace() throws Exception {
        assumeTrue(NetNamespaces.available(), "needs root, iproute2 and iptables");
        try (ClusterProcesses cluster = ClusterProcesses.builder("harness-netns", dir).mainClass(FakeClusterNode.class.getName())
                .isolatable().start()) {
            ClusterProcesses.Node n2 = cluster.node(2);
            assertTrue(n2.host.matches("10\\.213\\.\\d+\\.2"), n2.host);
            assertTrue(cluster.canReach(1, 2) && cluster.canReach(2, 3) && cluster.canReach(3, 1));

            // when
            cluster.isolate(2);
            // then: node 2 and the others cannot talk; this JVM (the clients) still reaches everyone
            assertFalse(cluster.canReach(1, 2));
            assertFalse(cluster.canReach(2, 1));
            assertFalse(cluster.canReach(2, 3));
            assertTrue(cluster.canReach(1, 3));
            assertTrue(listening(n2.host, n2.port));

            // when
            cluster.heal();
            // then
            assertTrue(cluster.canReach(1, 2) && cluster.canReach(2, 1) && cluster.canReach(2, 3));

            // a majority | minority split, and a restart inside the namespace
            cluster.partition(Set.of(1, 2));
            assertFalse(cluster.canReach(3, 1));
            assertTrue(cluster.canReach(1, 2));
            cluster.heal();
            cluster.restart(2);
            assertTrue(listening(n2.host, n2.port));
        }
        try (var namespaces = Files.list(Path.of("/run/netns"))) {
            String ours = "klns" + ProcessHandle.current().pid() + "-";
            assertFalse(namespaces.anyMatch(p -> p.getFileName().toString().startsWith(ours)), "namespaces removed on close");
        }
    }

    private static String log(ClusterProcesses.Node n) {
        try {
            return Files.readString(n.log);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
