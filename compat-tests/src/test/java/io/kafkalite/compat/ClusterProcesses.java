package io.kafkalite.compat;

import java.io.IOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * A cluster of broker nodes, each a separate JVM ({@code io.kafkalite.broker.Main} with a KRaft {@code server.properties}
 * of its own: process.roles=broker,controller, a 3-voter controller.quorum.voters, its own log.dirs and ports), for
 * kill -9, restart and network-partition tests. A node keeps its data directory and ports across restarts. Each
 * node's output is appended to {@code target/cluster-logs/<name>/node-<id>.log} (kept after the run, for failed
 * tests). Processes are killed by {@link #close()} and, should the test JVM exit first, by a shutdown hook.
 * With {@link Builder#isolatable()}, every node runs in a network namespace of its own ({@link NetNamespaces}), so
 * that {@link #isolate} can cut it off from the others; otherwise every node listens on 127.0.0.1.
 */
final class ClusterProcesses implements AutoCloseable {
    static final String BROKER_MAIN = "io.kafkalite.broker.Main";
    private static final Set<ClusterProcesses> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(ClusterProcesses::close), "cluster-processes-cleanup"));
    }

    /** One node: its identity, addresses and directories are fixed; its process comes and goes. */
    final class Node {
        final int id;
        final String host;
        final int port;
        final int controllerPort;
        final Path dataDir;
        final Path config;
        final Path log;
        private volatile Process process;

        private Node(int id, String host, int port, int controllerPort, Path dataDir, Path config, Path log) {
            this.id = id;
            this.host = host;
            this.port = port;
            this.controllerPort = controllerPort;
            this.dataDir = dataDir;
            this.config = config;
            this.log = log;
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        String address() {
            return host + ":" + port;
        }

        long pid() {
            return process.pid();
        }
    }

    private final String name;
    private final String mainClass;
    private final NetNamespaces net;
    private final List<Node> nodes = new ArrayList<>();

    private ClusterProcesses(String name, String mainClass, NetNamespaces net) {
        this.name = name;
        this.mainClass = mainClass;
        this.net = net;
    }

    /** {@code name}: the directory of the node logs under target/cluster-logs; {@code dataRoot}: where the data dirs go. */
    static Builder builder(String name, Path dataRoot) {
        return new Builder(name, dataRoot);
    }

    static final class Builder {
        private final String name;
        private final Path dataRoot;
        private int nodes = 3;
        private final Map<String, String> configs = new LinkedHashMap<>();
        private final Map<Integer, Map<String, String>> nodeConfigs = new HashMap<>();
        private boolean isolatable;
        private String mainClass = BROKER_MAIN;

        private Builder(String name, Path dataRoot) {
            this.name = name;
            this.dataRoot = dataRoot;
        }

        Builder nodes(int n) {
            this.nodes = n;
            return this;
        }

        /** A broker property of every node, over the cluster defaults. */
        Builder config(String key, String value) {
            configs.put(key, value);
            return this;
        }

        /** A broker property of node {@code id} only (its {@code broker.rack}, say), over every node's. */
        Builder config(int id, String key, String value) {
            nodeConfigs.computeIfAbsent(id, i -> new LinkedHashMap<>()).put(key, value);
            return this;
        }

        /** Every node in its own network namespace (needs root; see {@link NetNamespaces#available()}). */
        Builder isolatable() {
            this.isolatable = true;
            return this;
        }

        /** Another main class than the broker's (the harness's own tests use a stand-in). */
        Builder mainClass(String mainClass) {
            this.mainClass = mainClass;
            return this;
        }

        /** Starts every node and waits until each listens on its client port (not until the cluster is ready). */
        ClusterProcesses start() throws Exception {
            ClusterProcesses cluster = new ClusterProcesses(name, mainClass, isolatable ? NetNamespaces.create(nodes) : null);
            OPEN.add(cluster);
            try {
                cluster.configure(nodes, dataRoot, configs, nodeConfigs);
                for (Node n : cluster.nodes) {
                    cluster.launch(n); // all at once: a node may wait for a quorum of the others before it listens
                }
                for (Node n : cluster.nodes) {
                    cluster.awaitListening(n, Duration.ofSeconds(60));
                }
            } catch (Exception | Error e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }
    }

    private void configure(int count, Path dataRoot, Map<String, String> extra, Map<Integer, Map<String, String>> perNode)
            throws IOException {
        Path logDir = Subprocess.moduleDir().resolve("target/cluster-logs").resolve(name);
        Files.createDirectories(logDir);
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < 2 * count) {
            int port = freePortBelowEphemeralRange();
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        for (int id = 1; id <= count; id++) {
            String host = net != null ? net.host(id) : "127.0.0.1";
            Path dir = dataRoot.resolve("node-" + id);
            Files.createDirectories(dir.resolve("data"));
            Path log = logDir.resolve("node-" + id + ".log");
            Files.deleteIfExists(log);
            nodes.add(new Node(id, host, ports.get(2 * id - 2), ports.get(2 * id - 1), dir.resolve("data"),
                    dir.resolve("server.properties"), log));
        }
        String voters = nodes.stream().map(n -> n.id + "@" + n.host + ":" + n.controllerPort).collect(Collectors.joining(","));
        for (Node n : nodes) {
            Map<String, String> props = new LinkedHashMap<>();
            props.put("process.roles", "broker,controller");
            props.put("node.id", String.valueOf(n.id));
            props.put("controller.quorum.voters", voters);
            props.put("listeners", "PLAINTEXT://" + n.host + ":" + n.port + ",CONTROLLER://" + n.host + ":" + n.controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://" + n.host + ":" + n.port);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("log.dirs", n.dataDir.toString());
            props.put("default.replication.factor", "3");
            props.put("min.insync.replicas", "2");
            props.put("offsets.topic.replication.factor", "3");
            props.put("transaction.state.log.replication.factor", "3");
            props.put("num.network.threads", "2");
            props.putAll(extra);
            props.putAll(perNode.getOrDefault(n.id, Map.of()));
            StringBuilder text = new StringBuilder("# node " + n.id + " of cluster " + name + "\n");
            props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(n.config, text);
        }
    }

    /**
     * A free port in 20000-32767, below Linux's ephemeral range (32768-60999): a node restarted on its port must not
     * find it taken by some client connection's local port, nor by another test's {@code new ServerSocket(0)}.
     */
    private static int freePortBelowEphemeralRange() throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20_000 + random.nextInt(12_768);
            try (java.net.ServerSocket s = new java.net.ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in 20000-32767 after 100 attempts");
    }

    private void launch(Node n) throws IOException {
        List<String> cmd = JvmProcess.command(mainClass, List.of("-Xmx512m",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        cmd.add(n.config.toString());
        if (net != null) {
            cmd = net.wrap(n.id, cmd);
        }
        try (Writer w = Files.newBufferedWriter(n.log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write("===== " + Instant.now() + " harness: starting node " + n.id + " (" + n.address() + ")\n");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(n.log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.equals("CLUSTER_ID"));
        n.process = pb.start();
    }

    private void awaitListening(Node n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!n.alive()) {
                throw new IllegalStateException("node " + n.id + " exited with " + n.process.exitValue() + "\n" + report());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(n.host, n.port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("node " + n.id + " did not listen on " + n.address() + " within " + timeout + "\n" + report());
    }

    List<Node> nodes() {
        return List.copyOf(nodes);
    }

    Node node(int id) {
        return nodes.get(id - 1);
    }

    /** Every node's client address, comma-separated: the bootstrap servers of a client. */
    String bootstrap() {
        return nodes.stream().map(Node::address).collect(Collectors.joining(","));
    }

    /** SIGKILL: no shutdown hook, no flush; waits until the process is gone. */
    void kill9(int id) throws InterruptedException {
        Node n = node(id);
        if (n.process != null) {
            n.process.destroyForcibly();
            n.process.waitFor();
        }
        append(n, "harness: killed node " + id + " (kill -9)");
    }

    /** SIGTERM (a controlled shutdown); returns the exit code, or fails if the node is still up after {@code timeout}. */
    int terminate(int id, Duration timeout) throws InterruptedException {
        Node n = node(id);
        n.process.destroy();
        if (!n.process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new AssertionError("node " + id + " still running " + timeout + " after SIGTERM\n" + report());
        }
        append(n, "harness: node " + id + " terminated");
        return n.process.exitValue();
    }

    /** Starts a stopped node again (same data dir, same ports) and waits until it listens. */
    void start(int id) throws Exception {
        Node n = node(id);
        if (n.alive()) {
            throw new IllegalStateException("node " + id + " is running");
        }
        launch(n);
        awaitListening(n, Duration.ofSeconds(60));
    }

    /** kill -9, then start again. */
    void restart(int id) throws Exception {
        kill9(id);
        start(id);
    }

    /** Cuts node {@code id} off from the other nodes (clients in this JVM still reach it). */
    void isolate(int id) throws IOException, InterruptedException {
        partition(Set.of(id));
    }

    /** Cuts the nodes of {@code side} off from the rest. */
    void partition(Set<Integer> side) throws IOException, InterruptedException {
        requireNet().partition(side);
        nodes.forEach(n -> append(n, "harness: network partition " + side + " | rest"));
    }

    /** Removes every network partition. */
    void heal() throws IOException, InterruptedException {
        requireNet().heal();
        nodes.forEach(n -> append(n, "harness: network healed"));
    }

    /** Whether node {@code from} can open a connection to node {@code to}'s controller port (a partition check). */
    boolean canReach(int from, int to) throws IOException, InterruptedException {
        return requireNet().canConnect(from, node(to).host, node(to).controllerPort);
    }

    boolean isolatable() {
        return net != null;
    }

    private NetNamespaces requireNet() {
        if (net == null) {
            throw new IllegalStateException("network partitions need ClusterProcesses.builder(...).isolatable()");
        }
        return net;
    }

    private static void append(Node n, String line) {
        try {
            Files.writeString(n.log, "===== " + Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // a marker line only
        }
    }

    /** Each node's state and the last lines of its log, for assertion messages. */
    String report() {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) {
            String state = n.process == null ? "never started" : n.alive() ? "running (pid " + n.pid() + ")"
                    : "exited with " + n.process.exitValue();
            sb.append("--- node ").append(n.id).append(" ").append(n.address()).append(" ").append(state)
                    .append("; last lines of ").append(n.log).append(":\n").append(Subprocess.tail(n.log, 25)).append('\n');
        }
        return sb.toString();
    }

    /** Polls {@code condition} every 200 ms until it holds; fails with {@code what} and the nodes' report otherwise. */
    void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what + "\n" + report());
            }
            Thread.sleep(200);
        }
    }

    /** Kills every node and removes the network namespaces; the data dirs belong to the caller. */
    @Override
    public void close() {
        for (Node n : nodes) {
            if (n.process != null && n.process.isAlive()) {
                n.process.destroyForcibly();
                try {
                    n.process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (net != null) {
            net.close();
        }
        OPEN.remove(this);
    }
}
