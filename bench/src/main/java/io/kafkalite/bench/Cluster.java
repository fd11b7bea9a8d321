package io.kafkalite.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster of brokers of one kind (Apache Kafka or ours) as separate processes on this machine, each a KRaft combined
 * node (process.roles=broker,controller, node.id 1..N, every node a voter), all configured with the same Kafka
 * properties. Each node's data is in {@code <dir>/node-N/logs}.
 */
final class Cluster implements AutoCloseable {
    final List<BrokerProcess> nodes;
    final int replicationFactor;

    private Cluster(List<BrokerProcess> nodes, int replicationFactor) {
        this.nodes = nodes;
        this.replicationFactor = replicationFactor;
    }

    /** Starts {@code size} nodes of {@code name} ("kafka": formatted first with one cluster id; "ours": no format step). */
    static Cluster start(String name, int size, Path dir, Path libs, Path launcher, String heap) throws Exception {
        List<Integer> ports = freePorts(2 * size);
        String voters = "";
        for (int id = 1; id <= size; id++) {
            voters += (id > 1 ? "," : "") + id + "@127.0.0.1:" + ports.get(size + id - 1);
        }
        int rf = Math.min(3, size);
        String clusterId = BrokerProcess.clusterId();
        List<BrokerProcess> nodes = new ArrayList<>();
        Cluster cluster = new Cluster(nodes, rf);
        try {
            for (int id = 1; id <= size; id++) {
                int port = ports.get(id - 1);
                int controllerPort = ports.get(size + id - 1);
                Path nodeDir = dir.resolve("node-" + id);
                List<String> props = List.of(
                        "process.roles=broker,controller", "node.id=" + id, "controller.quorum.voters=" + voters,
                        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                        "controller.listener.names=CONTROLLER", "inter.broker.listener.name=PLAINTEXT",
                        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                        "log.dirs=" + nodeDir.resolve("logs"), "num.partitions=1",
                        "default.replication.factor=" + rf, "min.insync.replicas=" + Math.min(2, rf),
                        "offsets.topic.replication.factor=" + rf, "transaction.state.log.replication.factor=" + rf,
                        "transaction.state.log.min.isr=" + Math.min(2, rf), "group.initial.rebalance.delay.ms=0");
                nodes.add(name.equals("kafka") ? BrokerProcess.kafka(libs, nodeDir, port, heap, props, clusterId)
                        : BrokerProcess.ours(launcher, nodeDir, port, heap, props));
            }
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    String bootstrap() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
    }

    /** Nanos (System.nanoTime) when the first node was started. */
    long startedNanos() {
        return nodes.get(0).startedNanos;
    }

    /** Waits until every node accepts connections; throws when one has exited or after {@code seconds}. */
    void awaitListening(int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (BrokerProcess node : nodes) {
            while (!node.listening()) {
                if (!node.process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(node.name + " node on port " + node.port + " did not start");
                }
                Thread.sleep(5);
            }
        }
    }

    /** user + system CPU seconds of all nodes so far. */
    double cpuSeconds() throws IOException {
        double sum = 0;
        for (BrokerProcess node : nodes) {
            sum += node.cpuSeconds();
        }
        return sum;
    }

    /** A /proc/PID/status field (VmRSS, VmHWM) summed over all nodes, in MiB. */
    double memoryMiB(String field) throws IOException {
        double sum = 0;
        for (BrokerProcess node : nodes) {
            sum += node.memoryMiB(field);
        }
        return sum;
    }

    /** SIGTERM to every node at once, then waits for each (after 30 s, SIGKILL): stopped one by one, each would wait on the others. */
    @Override
    public void close() throws InterruptedException {
        nodes.forEach(n -> n.process.destroy());
        for (BrokerProcess node : nodes) {
            node.close();
        }
    }

    /** {@code n} distinct ports free right now. */
    private static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }
}
