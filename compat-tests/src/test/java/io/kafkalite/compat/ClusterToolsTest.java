package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/** Kafka 4.4's own CLI against a 3-node cluster: topics of RF 3, under-replicated partitions, the quorum, reassignment, elections. */
@Isolated // kills a broker, three JVMs on two cores
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterToolsTest {
    private static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
    private static final String QUORUM = "org.apache.kafka.tools.MetadataQuorumCommand";
    private static final String REASSIGN = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";
    private static final String ELECTION = "org.apache.kafka.tools.LeaderElectionCommand";
    /** A partition line of {@code kafka-topics --describe}. */
    private static final Pattern PARTITION = Pattern.compile("\tTopic: (\\S+)\tPartition: (\\d+)\tLeader: (\\S+)\tReplicas: ([\\d,]*)\tIsr: ([\\d,]*)");

    @TempDir
    static Path dir;
    static FailoverCluster fixture;
    static ClusterProcesses cluster;
    static ClusterAdmin admin;

    @BeforeAll
    static void startCluster() throws Exception {
        fixture = FailoverCluster.start(FailoverCluster.builder("ClusterToolsTest", dir)
                .config("auto.leader.rebalance.enable", "false")); // test 5 elects the preferred leaders itself
        cluster = fixture.processes();
        admin = fixture.admin();
    }

    @AfterAll
    static void stopCluster() {
        if (fixture != null) {
            fixture.close();
        }
    }

    record PartitionLine(int partition, String leader, List<Integer> replicas, Set<Integer> isr) { }

    private static Tools.Result tool(String mainClass, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", cluster.bootstrap()));
        all.addAll(List.of(args));
        return Tools.run(dir, mainClass, all);
    }

    private static Tools.Result ok(Tools.Result r) {
        assertEquals(0, r.exitCode(), "exit code; stdout:\n" + r.stdout() + "\nstderr:\n" + r.stderr());
        return r;
    }

    /** The partition lines of a {@code kafka-topics --describe} output, by partition. */
    private static Map<Integer, PartitionLine> partitions(String stdout) {
        Map<Integer, PartitionLine> lines = new TreeMap<>();
        Matcher m = PARTITION.matcher(stdout);
        while (m.find()) {
            lines.put(Integer.parseInt(m.group(2)), new PartitionLine(Integer.parseInt(m.group(2)), m.group(3), ids(m.group(4)),
                    new TreeSet<>(ids(m.group(5)))));
        }
        return lines;
    }

    private static List<Integer> ids(String csv) {
        return csv.isEmpty() ? List.of() : java.util.Arrays.stream(csv.split(",")).map(Integer::parseInt).toList();
    }

    @Test
    @Order(1)
    void kafkaTopicsCreatesAndDescribesReplicatedTopic() throws Exception {
        Tools.Result create = ok(tool(TOPICS, "--create", "--topic", "tools-rf3", "--partitions", "3", "--replication-factor", "3"));
        assertTrue(create.stdout().contains("Created topic tools-rf3."), create.stdout());
        admin.awaitIsr("tools-rf3", 3, 3, Duration.ofSeconds(30));

        Tools.Result describe = ok(tool(TOPICS, "--describe", "--topic", "tools-rf3"));
        assertTrue(describe.stdout().contains("PartitionCount: 3\tReplicationFactor: 3"), describe.stdout());
        Map<Integer, PartitionLine> lines = partitions(describe.stdout());
        assertEquals(Set.of(0, 1, 2), lines.keySet(), describe.stdout());
        Set<Integer> preferredLeaders = new TreeSet<>();
        for (PartitionLine p : lines.values()) {
            assertEquals(Set.of(1, 2, 3), new TreeSet<>(p.replicas()), describe.stdout());
            assertEquals(Set.of(1, 2, 3), p.isr(), describe.stdout());
            assertEquals(String.valueOf(p.replicas().get(0)), p.leader(), "the preferred replica leads a new topic: " + describe.stdout());
            preferredLeaders.add(p.replicas().get(0));
        }
        assertEquals(Set.of(1, 2, 3), preferredLeaders, "leaderships spread over the nodes, as Kafka places replicas: " + describe.stdout());
    }

    @Test
    @Order(2)
    void kafkaMetadataQuorumDescribesThreeVoters() throws Exception {
        Tools.Result status = ok(tool(QUORUM, "describe", "--status"));
        Matcher leader = Pattern.compile("LeaderId:\\s+(\\d+)").matcher(status.stdout());
        assertTrue(leader.find() && Set.of(1, 2, 3).contains(Integer.parseInt(leader.group(1))), status.stdout());
        Matcher voters = Pattern.compile("CurrentVoters:\\s+\\[(.*)]").matcher(status.stdout());
        assertTrue(voters.find(), status.stdout());
        for (int id = 1; id <= 3; id++) {
            assertTrue(voters.group(1).contains("\"id\": " + id), "voter " + id + ": " + status.stdout());
        }
        assertEquals(3, voters.group(1).split("\"id\": ").length - 1, status.stdout());

        Tools.Result replication = ok(tool(QUORUM, "describe", "--replication"));
        List<String> rows = replication.stdout().lines().skip(1).filter(l -> !l.isBlank()).toList();
        assertEquals(3, rows.size(), replication.stdout());
        assertEquals(Set.of("1", "2", "3"), new TreeSet<>(rows.stream().map(r -> r.trim().split("\\s+")[0]).toList()), replication.stdout());
        assertEquals(1, rows.stream().filter(r -> r.trim().endsWith("Leader")).count(), replication.stdout());
        assertEquals(2, rows.stream().filter(r -> r.trim().endsWith("Follower")).count(), replication.stdout());
    }

    @Test
    @Order(3)
    void kafkaReassignPartitionsMovesAReplica() throws Exception {
        ok(tool(TOPICS, "--create", "--topic", "tools-rf2", "--replica-assignment", "1:2"));
        admin.awaitIsr("tools-rf2", 1, 2, Duration.ofSeconds(30));
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> p = producer()) {
            for (int i = 0; i < 100; i++) {
                values.add("moved-" + i);
                p.send(new ProducerRecord<>("tools-rf2", 0, null, "moved-" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"tools-rf2\",\"partition\":0,\"replicas\":[3,2]}]}");

        Tools.Result execute = ok(tool(REASSIGN, "--execute", "--reassignment-json-file", plan.toString()));
        assertTrue(execute.stdout().contains("Successfully started partition reassignment for tools-rf2-0"), execute.stdout());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Tools.Result verify;
        do {
            verify = ok(tool(REASSIGN, "--verify", "--reassignment-json-file", plan.toString()));
        } while (!verify.stdout().contains("Reassignment of partition tools-rf2-0 is completed.") && System.nanoTime() < deadline);
        assertTrue(verify.stdout().contains("Reassignment of partition tools-rf2-0 is completed."), verify.stdout());

        PartitionLine moved = partitions(ok(tool(TOPICS, "--describe", "--topic", "tools-rf2")).stdout()).get(0);
        assertEquals(List.of(3, 2), moved.replicas(), moved.toString());
        assertEquals(Set.of(2, 3), moved.isr(), moved.toString());
        // node 3, the new preferred leader, leads and serves the records it copied
        Tools.Result elect = ok(tool(ELECTION, "--election-type", "PREFERRED", "--topic", "tools-rf2", "--partition", "0"));
        assertTrue(elect.stdout().contains("Successfully completed leader election (PREFERRED) for partitions tools-rf2-0")
                || elect.stdout().contains("Valid replica already elected for partitions tools-rf2-0"), elect.stdout());
        cluster.await("node 3 leads tools-rf2-0", Duration.ofSeconds(30), () -> admin.leaderOf(new TopicPartition("tools-rf2", 0)) == 3);
        assertEquals(values, read("tools-rf2"));
    }

    @Test
    @Order(4)
    void underReplicatedPartitionsWhileANodeIsDown() throws Exception {
        // kill the preferred leader of partition 0 (its first replica)
        int victim = partitions(ok(tool(TOPICS, "--describe", "--topic", "tools-rf3")).stdout()).get(0).replicas().get(0);
        cluster.kill9(victim);
        admin.awaitIsr("tools-rf3", 3, 2, Duration.ofSeconds(30));

        Tools.Result under = ok(tool(TOPICS, "--describe", "--under-replicated-partitions", "--topic", "tools-rf3"));
        Map<Integer, PartitionLine> lines = partitions(under.stdout());
        assertEquals(Set.of(0, 1, 2), lines.keySet(), under.stdout());
        for (PartitionLine p : lines.values()) {
            assertTrue(!p.isr().contains(victim) && p.isr().size() == 2, under.stdout());
            assertTrue(!p.leader().equals(String.valueOf(victim)) && !p.leader().equals("none"), under.stdout());
        }

        cluster.start(victim);
        admin.awaitIsr("tools-rf3", 3, 3, Duration.ofSeconds(30));
        Tools.Result none = ok(tool(TOPICS, "--describe", "--under-replicated-partitions", "--topic", "tools-rf3"));
        assertEquals("", none.stdout().trim(), "no under-replicated partition once the node is back");
    }

    @Test
    @Order(5)
    void kafkaLeaderElectionMovesLeadershipBackToThePreferredReplica() throws Exception {
        Map<Integer, PartitionLine> before = partitions(ok(tool(TOPICS, "--describe", "--topic", "tools-rf3")).stdout());
        PartitionLine p0 = before.get(0);
        assertTrue(!p0.leader().equals(String.valueOf(p0.replicas().get(0))),
                "after its restart (test 4), partition 0's preferred leader does not lead: " + before);

        Tools.Result elect = ok(tool(ELECTION, "--election-type", "PREFERRED", "--all-topic-partitions"));
        assertTrue(elect.stdout().contains("Successfully completed leader election (PREFERRED) for partitions")
                && elect.stdout().contains("tools-rf3-0"), elect.stdout());

        cluster.await("every partition of tools-rf3 led by its preferred replica", Duration.ofSeconds(30), () -> {
            try {
                return partitions(ok(tool(TOPICS, "--describe", "--topic", "tools-rf3")).stdout()).values().stream()
                        .allMatch(p -> p.leader().equals(String.valueOf(p.replicas().get(0))));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<String> read(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            return Records.readToEnd(c, List.of(new TopicPartition(topic, 0)), Duration.ofSeconds(30)).stream()
                    .map(ConsumerRecord::value).toList();
        }
    }
}
