package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's usual shape, in this JVM on real Ratis: three controller-only voters ({@code process.roles=controller})
 * and two broker-only nodes ({@code process.roles=broker}, Ratis listeners) with the property files Kafka takes.
 * Stock clients produce with acks=all to a topic of replication factor 2 and consume in a group (its coordinator on
 * a broker, since no controller serves clients), across a failover of the controllers' leader.
 */
class SplitRolesTest {
    private final Map<Integer, ControllerNode> controllers = new HashMap<>();
    private final List<Broker> brokers = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        brokers.forEach(Broker::close);
        controllers.values().forEach(ControllerNode::close);
    }

    @Test
    void threeControllersTwoBrokersReplicateAndSurviveAControllerFailover(@TempDir Path dir) throws Exception {
        String voters = "";
        Map<Integer, Integer> ports = new HashMap<>();
        for (int id = 1; id <= 3; id++) {
            try (ServerSocket s = new ServerSocket(0)) {
                ports.put(id, s.getLocalPort());
            }
            voters += (id > 1 ? "," : "") + id + "@127.0.0.1:" + ports.get(id);
        }
        for (int id = 1; id <= 3; id++) {
            Map<String, String> props = common(id, voters, dir);
            props.put("process.roles", "controller");
            props.put("listeners", "CONTROLLER://127.0.0.1:" + ports.get(id));
            controllers.put(id, ControllerNode.start(props));
        }
        for (int id = 4; id <= 5; id++) {
            Broker broker = Broker.builder().configs(common(id, voters, dir)).config("process.roles", "broker")
                    .config("default.replication.factor", "2").start();
            brokers.add(broker);
        }
        await(() -> unfencedBrokers(anyController()).equals(Set.of(4, 5)), "both brokers registered and unfenced");
        assertTrue(controllers.values().stream().allMatch(c -> c.quorum().image().brokers().keySet().equals(Set.of(4, 5))),
                "the controllers registered no broker of their own");

        Admin admin = client(Admin.create(Map.of("bootstrap.servers", brokers.get(1).bootstrapServers())));
        assertEquals(Set.of(4, 5), admin.describeCluster().nodes().get().stream().map(Node::id).collect(Collectors.toSet()));
        int controllerId = admin.describeCluster().controller().get().id();
        assertTrue(controllerId == 4 || controllerId == 5, "clients are told of a broker as the controller, not " + controllerId);
        admin.createTopics(List.of(new NewTopic("orders", 2, (short) 2))).all().get(30, TimeUnit.SECONDS);
        TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
        for (TopicPartitionInfo p : d.partitions()) {
            assertEquals(Set.of(4, 5), p.replicas().stream().map(Node::id).collect(Collectors.toSet()), p.toString());
        }

        KafkaProducer<String, String> producer = client(new KafkaProducer<>(Map.of("bootstrap.servers", brokers.get(0).bootstrapServers(),
                "acks", "all", "delivery.timeout.ms", "60000"), new StringSerializer(), new StringSerializer()));
        for (int i = 0; i < 10; i++) {
            producer.send(new ProducerRecord<>("orders", "k" + i, "before-" + i)).get(30, TimeUnit.SECONDS);
        }
        KafkaConsumer<String, String> consumer = consumer();
        List<String> seen = poll(consumer, 10);
        assertEquals(10, seen.stream().filter(v -> v.startsWith("before-")).count(), seen.toString());
        consumer.commitSync();
        assertEquals(4, admin.describeConsumerGroups(List.of("readers")).all().get().get("readers").coordinator().id(),
                "the coordinator is on the lowest unfenced broker");
        consumer.close();
        clients.remove(consumer);

        // the controllers' leader goes: another controller leads, the brokers stay registered and serving
        ControllerNode leader = controllers.values().stream().filter(c -> c.quorum().isLeaderReady()).findFirst().orElseThrow();
        int leaderId = leader.quorum().nodeId();
        controllers.remove(leaderId).close();
        await(() -> controllers.values().stream().anyMatch(c -> c.quorum().isLeaderReady()), "a new controller leads");
        ControllerNode next = controllers.values().stream().filter(c -> c.quorum().isLeaderReady()).findFirst().orElseThrow();
        assertNotEquals(leaderId, next.quorum().nodeId());
        for (int i = 0; i < 10; i++) {
            producer.send(new ProducerRecord<>("orders", "k" + i, "after-" + i)).get(30, TimeUnit.SECONDS);
        }
        admin.createTopics(List.of(new NewTopic("later", 1, (short) 2))).all().get(30, TimeUnit.SECONDS);
        KafkaConsumer<String, String> again = consumer();
        List<String> rest = poll(again, 10);
        assertEquals(10, rest.stream().filter(v -> v.startsWith("after-")).count(), "from the committed offsets on: " + rest);
        assertEquals(Set.of(4, 5), unfencedBrokers(next), "the brokers survived the failover");
    }

    private Map<String, String> common(int id, String voters, Path dir) throws IOException {
        Map<String, String> p = new HashMap<>();
        p.put("node.id", Integer.toString(id));
        p.put("controller.quorum.voters", voters);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("log.dirs", Files.createDirectories(dir.resolve("node" + id)).toString());
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("offsets.topic.replication.factor", "2");
        return p;
    }

    private ControllerNode anyController() {
        return controllers.values().iterator().next();
    }

    private static Set<Integer> unfencedBrokers(ControllerNode controller) {
        MetadataImage image = controller.quorum().image();
        return image.brokers().values().stream().filter(b -> !b.fenced()).map(BrokerRegistration::id).collect(Collectors.toSet());
    }

    private KafkaConsumer<String, String> consumer() {
        return client(new KafkaConsumer<>(Map.of("bootstrap.servers", brokers.get(1).bootstrapServers(), "group.id", "readers",
                "auto.offset.reset", "earliest", "enable.auto.commit", "false"), new StringDeserializer(), new StringDeserializer()));
    }

    private static List<String> poll(KafkaConsumer<String, String> consumer, int count) {
        consumer.subscribe(List.of("orders"));
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (values.size() < count && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                values.add(r.value());
            }
        }
        return values;
    }

    private <T extends AutoCloseable> T client(T c) {
        clients.add(c);
        return c;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("Not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
