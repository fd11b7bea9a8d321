package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.QuorumConfig;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.logstore.DurableMap;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka 4.4's CLI tools against three brokers in cluster mode sharing a {@link LocalQuorum} (in this package for
 * {@link BrokerBuilder#quorum}): {@code kafka-metadata-quorum describe --status / --replication}, {@code kafka-topics}
 * with RF 3 ({@code --describe}, {@code --under-replicated-partitions}), {@code kafka-leader-election} and
 * {@code kafka-reassign-partitions}.
 */
class LocalClusterToolsTest {
    private static final LocalQuorum.Log LOG = new LocalQuorum.Log();
    private static final List<Broker> BROKERS = new ArrayList<>();
    private static final List<MetadataQuorum> QUORUMS = new ArrayList<>();
    @TempDir
    static Path work;

    @BeforeAll
    static void start() throws Exception {
        for (int id = 1; id <= 3; id++) {
            BROKERS.add(Broker.builder()
                    .config("process.roles", "broker,controller")
                    .config("node.id", String.valueOf(id))
                    .config("controller.quorum.voters", "1@localhost:19091,2@localhost:19092,3@localhost:19093")
                    .config("controller.listener.names", "CONTROLLER")
                    .config("listeners", "PLAINTEXT://localhost:0,CONTROLLER://localhost:1909" + id)
                    .quorum(new ClusterMode.QuorumStarter() {
                        @Override
                        public MetadataQuorum start(QuorumConfig config, Function<String, DurableMap> maps) {
                            MetadataQuorum q = LOG.node(config.nodeId(), maps);
                            QUORUMS.add(q);
                            return q;
                        }

                        @Override
                        public ClusterMode.Registration register(MetadataQuorum quorum, int nodeId,
                                                                 Map<String, BrokerRegistration.HostPort> endpoints, String rack,
                                                                 BrokerConfig config) {
                            return ClusterMode.registerOnce(quorum, nodeId, endpoints, rack);
                        }
                    })
                    .start());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (LOG.image().brokers().values().stream().filter(b -> !b.fenced()).count() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(3, LOG.image().brokers().values().stream().filter(b -> !b.fenced()).count(), "brokers unfenced within 10 s");
    }

    @AfterAll
    static void stop() {
        BROKERS.forEach(Broker::close);
        LOG.close();
    }

    @Test
    void metadataQuorumStatusAndReplication() throws Exception {
        long appliedBefore = LOG.image().appliedIndex();
        String status = tool("org.apache.kafka.tools.MetadataQuorumCommand", "--bootstrap-server", bootstrap(1), "describe", "--status");
        long appliedAfter = LOG.image().appliedIndex(); // records may be applied meanwhile (producer ids, coordinator epochs)
        assertTrue(status.contains("ClusterId:              " + BROKERS.get(0).clusterId()), status);
        assertTrue(status.contains("LeaderId:               1"), status);
        Matcher hw = Pattern.compile("HighWatermark: +(\\d+)").matcher(status);
        assertTrue(hw.find(), status);
        long highWatermark = Long.parseLong(hw.group(1));
        assertTrue(highWatermark >= appliedBefore && highWatermark <= appliedAfter, appliedBefore + ".." + appliedAfter + ": " + status);
        assertTrue(status.contains("{\"id\": 2, \"endpoints\": [\"CONTROLLER://localhost:19092\"]}"), status);

        String replication = tool("org.apache.kafka.tools.MetadataQuorumCommand", "--bootstrap-server", bootstrap(2), "describe",
                "--replication");
        List<String> rows = replication.lines().skip(1).toList();
        assertEquals(3, rows.size(), replication);
        assertTrue(rows.get(0).startsWith("1 ") && rows.get(0).trim().endsWith("Leader"), replication);
        assertEquals(2, rows.stream().filter(r -> r.trim().endsWith("Follower")).count(), replication);
    }

    @Test
    void topicsWithThreeReplicas() throws Exception {
        tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(1), "--create", "--topic", "replicated",
                "--partitions", "3", "--replication-factor", "3");
        String described = tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(3), "--describe",
                "--topic", "replicated");
        assertTrue(described.contains("ReplicationFactor: 3"), described);
        List<String> partitions = described.lines().filter(l -> l.contains("Partition: ")).toList();
        assertEquals(3, partitions.size(), described);
        for (String p : partitions) {
            assertTrue(p.matches(".*Replicas: \\d,\\d,\\d\\s+Isr: \\d,\\d,\\d.*"), p);
        }
        assertEquals("", tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(2), "--describe",
                "--under-replicated-partitions").trim());

        QUORUMS.get(0).submit(new MetadataRecord.FenceBroker(3)).get(5, TimeUnit.SECONDS);
        try {
            String under = tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(1), "--describe",
                    "--under-replicated-partitions");
            assertEquals(3, under.lines().filter(l -> l.contains("Topic: replicated")).count(), under);
        } finally {
            long incarnation = LOG.image().broker(3).incarnation();
            QUORUMS.get(0).submit(new MetadataRecord.UnfenceBroker(3, incarnation)).get(5, TimeUnit.SECONDS);
        }
        // broker 3 fetches again, catches up and its leaders take it back into their ISRs
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!LOG.image().topic("replicated").partitions().stream().allMatch(ps -> ps.isr().contains(3))) {
            assertTrue(System.nanoTime() < deadline, "broker 3 did not rejoin the ISRs: " + LOG.image().topic("replicated"));
            Thread.sleep(20);
        }
        String election = tool("org.apache.kafka.tools.LeaderElectionCommand", "--bootstrap-server", bootstrap(1),
                "--election-type", "preferred", "--all-topic-partitions");
        assertTrue(election.contains("Successfully completed leader election (PREFERRED) for partitions ")
                && election.contains("replicated-"), election);
        for (String p : tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(2), "--describe",
                "--topic", "replicated").lines().filter(l -> l.contains("Partition: ")).toList()) {
            String leader = p.replaceAll(".*Leader: (\\d+).*", "$1");
            String preferred = p.replaceAll(".*Replicas: (\\d+).*", "$1");
            assertEquals(preferred, leader, "the preferred replica leads again: " + p);
        }
    }

    /** KIP-966: kafka-topics --describe prints the eligible leader replicas once the ISR is below min.insync.replicas. */
    @Test
    void describeShowsEligibleLeaderReplicas() throws Exception {
        tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(1), "--create", "--topic", "eligible",
                "--replica-assignment", "1:2:3", "--config", "min.insync.replicas=2");
        QUORUMS.get(0).submit(new MetadataRecord.FenceBroker(3)).get(5, TimeUnit.SECONDS);
        QUORUMS.get(0).submit(new MetadataRecord.FenceBroker(2)).get(5, TimeUnit.SECONDS);
        try {
            String described = tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(1), "--describe",
                    "--topic", "eligible");
            assertTrue(described.contains("Leader: 1\tReplicas: 1,2,3\tIsr: 1\tElr: 2\tLastKnownElr: "), described);
        } finally {
            for (int id = 2; id <= 3; id++) {
                long incarnation = LOG.image().broker(id).incarnation();
                QUORUMS.get(0).submit(new MetadataRecord.UnfenceBroker(id, incarnation)).get(5, TimeUnit.SECONDS);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (LOG.image().partition("eligible", 0).isr().size() < 3) {
            assertTrue(System.nanoTime() < deadline, "brokers 2 and 3 did not rejoin: " + LOG.image().partition("eligible", 0));
            Thread.sleep(20);
        }
        assertTrue(LOG.image().partition("eligible", 0).elr().isEmpty());
    }

    @Test
    void reassignPartitions() throws Exception {
        tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(1), "--create", "--topic", "moving",
                "--replica-assignment", "1:2:3");
        Path plan = Files.writeString(work.resolve("reassign.json"),
                "{\"version\":1,\"partitions\":[{\"topic\":\"moving\",\"partition\":0,\"replicas\":[2,1]}]}");
        String executed = tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server", bootstrap(2),
                "--reassignment-json-file", plan.toString(), "--execute");
        assertTrue(executed.contains("Successfully started partition reassignment for moving-0"), executed);
        String verified = tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server", bootstrap(3),
                "--reassignment-json-file", plan.toString(), "--verify", "--preserve-throttles");
        assertTrue(verified.contains("Reassignment of partition moving-0 is completed."), verified);
        String described = tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap(1), "--describe", "--topic", "moving");
        assertTrue(described.matches("(?s).*Replicas: 2,1\\s+Isr: .*"), described);
        String listed = tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server", bootstrap(1), "--list");
        assertTrue(listed.contains("No partition reassignments found."), listed);
    }

    private static String bootstrap(int id) {
        return BROKERS.get(id - 1).bootstrapServers();
    }

    /** Runs a tool's main class in its own JVM (the tools call System.exit); its stdout, after checking it succeeded. */
    private static String tool(String mainClass, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(work, "tool", ".out");
        Path err = Files.createTempFile(work, "tool", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(mainClass + " did not finish: " + Files.readString(err, StandardCharsets.UTF_8));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), mainClass + ": " + stdout + Files.readString(err, StandardCharsets.UTF_8));
        return stdout;
    }
}
