package io.kafkalite.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/** Three (or more) Ratis metadata nodes in this JVM, on free local ports, each with its own directory and tables. */
final class RatisTestCluster implements AutoCloseable {
    final Map<Integer, BrokerRegistration.HostPort> voters = new TreeMap<>();
    final Map<Integer, TestDurableMap.Tables> tables = new HashMap<>();
    final Map<Integer, RatisMetadataQuorum> nodes = new HashMap<>();
    private final Path dir;

    RatisTestCluster(Path dir, int size) throws IOException {
        this.dir = dir;
        for (int id = 1; id <= size; id++) {
            try (ServerSocket s = new ServerSocket(0)) {
                voters.put(id, new BrokerRegistration.HostPort("127.0.0.1", s.getLocalPort()));
            }
            tables.put(id, new TestDurableMap.Tables());
        }
    }

    QuorumConfig config(int id) {
        return new QuorumConfig(id, Set.of("broker", "controller"), voters, "CONTROLLER", voters.get(id),
                dir.resolve("node" + id).resolve(QuorumConfig.METADATA_DIR_NAME), "test-cluster-id", 2);
    }

    RatisMetadataQuorum start(int id) throws IOException {
        RatisMetadataQuorum q = RatisMetadataQuorum.start(config(id), tables.get(id));
        nodes.put(id, q);
        return q;
    }

    /** A broker-only node: a listener of the group, not a voter. */
    RatisMetadataQuorum startListener(int id) throws IOException {
        tables.putIfAbsent(id, new TestDurableMap.Tables());
        QuorumConfig config = new QuorumConfig(id, Set.of("broker"), voters, "CONTROLLER", new BrokerRegistration.HostPort("127.0.0.1", 0),
                dir.resolve("node" + id).resolve(QuorumConfig.METADATA_DIR_NAME), "test-cluster-id");
        RatisMetadataQuorum q = RatisMetadataQuorum.start(config, tables.get(id));
        nodes.put(id, q);
        return q;
    }

    void startAll() throws IOException {
        for (int id : voters.keySet()) {
            start(id);
        }
    }

    void stop(int id) {
        nodes.remove(id).close();
    }

    /** The node that leads with everything applied, waiting up to {@code timeoutMs}. */
    RatisMetadataQuorum awaitReadyLeader(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            for (RatisMetadataQuorum q : nodes.values()) {
                if (q.isLeaderReady()) {
                    return q;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("No ready leader within " + timeoutMs + " ms");
    }

    static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("Not within " + timeoutMs + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        nodes.values().forEach(RatisMetadataQuorum::close);
        nodes.clear();
    }
}
