package io.kafkalite.broker;

import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * In-JVM brokers 1..n in cluster mode (broker and controller) sharing one {@link LocalQuorum}: what this module's
 * cluster tests start, stop, restart and wait for. Controller ports are named in the configs but never bound (no Ratis).
 */
final class LocalCluster implements AutoCloseable {
    private static final int CONTROLLER_PORT_BASE = 19090;

    private final LocalQuorum.Log log = new LocalQuorum.Log();
    private final List<MetadataQuorum> quorums = new ArrayList<>();
    private final List<Broker> brokers = new ArrayList<>(); // by node id - 1; null while stopped
    private final int size;
    private final Map<String, String> configs;

    private LocalCluster(int size, Map<String, String> configs) {
        this.size = size;
        this.configs = configs;
        for (int i = 0; i < size; i++) {
            brokers.add(null);
        }
    }

    /** No broker started yet: the test starts them. */
    static LocalCluster of(int size, Map<String, String> configs) {
        return new LocalCluster(size, configs);
    }

    /** Starts brokers 1..size and waits until they are all unfenced. */
    void startAll() throws InterruptedException {
        for (int id = 1; id <= size; id++) {
            start(id);
        }
        awaitUnfenced(size);
    }

    /** Cluster-mode settings of node {@code id} among {@code voters} voters; {@code port} 0 picks a free client port. */
    static BrokerBuilder node(int id, int voters, int port) {
        String voterList = IntStream.rangeClosed(1, voters).mapToObj(v -> v + "@localhost:" + (CONTROLLER_PORT_BASE + v))
                .collect(Collectors.joining(","));
        return Broker.builder()
                .config("process.roles", "broker,controller")
                .config("node.id", String.valueOf(id))
                .config("controller.quorum.voters", voterList)
                .config("controller.listener.names", "CONTROLLER")
                .config("listeners", "PLAINTEXT://localhost:" + port + "," + controllerListener(id));
    }

    /** Node {@code id}'s controller listener, as the voters name it (a test with other client listeners adds it). */
    static String controllerListener(int id) {
        return "CONTROLLER://localhost:" + (CONTROLLER_PORT_BASE + id);
    }

    /** Broker {@code id} of this cluster, with its settings and the shared quorum, not yet started. */
    BrokerBuilder builder(int id, int port) {
        return node(id, size, port).configs(configs).quorum(starter());
    }

    /** How a broker joins the shared quorum (and registers at once). */
    LocalQuorumStarter starter() {
        return LocalQuorumStarter.of(log, quorums);
    }

    /** Starts broker {@code id}, or starts it again on an empty log. */
    Broker start(int id) {
        return put(id, builder(id, 0).start());
    }

    /** Takes a broker the test started itself as broker {@code id}. */
    Broker put(int id, Broker broker) {
        brokers.set(id - 1, broker);
        return broker;
    }

    /** Closes broker {@code id}, telling nobody: the quorum still has it unfenced. */
    void stop(int id) {
        Broker broker = brokers.set(id - 1, null);
        if (broker != null) {
            broker.close();
        }
    }

    Broker broker(int id) {
        return brokers.get(id - 1);
    }

    /** The running brokers' addresses. */
    String bootstrap() {
        return brokers.stream().filter(Objects::nonNull).map(Broker::bootstrapServers).collect(Collectors.joining(","));
    }

    /** The quorum node of the {@code index}th broker start (0 = broker 1's first). */
    MetadataQuorum quorum(int index) {
        return quorums.get(index);
    }

    LocalQuorum.Log log() {
        return log;
    }

    MetadataImage image() {
        return log.image();
    }

    void awaitUnfenced(int count) throws InterruptedException {
        await(() -> image().brokers().values().stream().filter(b -> !b.fenced()).count() == count, count + " unfenced brokers");
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        for (int id = 1; id <= size; id++) {
            stop(id);
        }
        log.close();
    }
}
