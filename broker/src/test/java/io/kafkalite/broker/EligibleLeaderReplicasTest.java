package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * KIP-966 with stock clients on in-JVM brokers sharing a {@link LocalQuorum} ({@link LocalCluster}): a partition on
 * brokers 1-3 with
 * min.insync.replicas 2 (broker 4 holds no replica and answers the Admin client throughout). Replicas stopped while the
 * ISR is below min.insync.replicas become eligible leader replicas; when the last ISR member dies, one of them restarts
 * and leads with every acknowledged record.
 */
@Timeout(60)
class EligibleLeaderReplicasTest {
    private static final String TOPIC = "elr";

    @TempDir
    Path dataDirs;
    private final LocalCluster cluster = LocalCluster.of(4, Map.of("replica.fetch.wait.max.ms", "100", "replica.lag.time.max.ms", "1000"));

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    /** Starts broker {@code id} on its own data directory, kept across its restarts. */
    private Broker startBroker(int id) {
        return cluster.put(id, cluster.builder(id, 0).dataDir(dataDirs.resolve("broker" + id)).start());
    }

    /** Stops a broker as its heartbeats' close would: a controlled shutdown of this run (a clean stop). */
    private void stopCleanly(int id) throws Exception {
        long incarnation = cluster.image().broker(id).incarnation();
        cluster.stop(id);
        cluster.quorum(3).submit(new MetadataRecord.ControlledShutdown(id, incarnation)).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRestartedEligibleReplicaLeadsWithEveryAcknowledgedRecord() throws Exception {
        for (int id = 1; id <= 4; id++) {
            startBroker(id);
        }
        cluster.awaitUnfenced(4);
        cluster.log().setLeader(4); // the quorum outlives brokers 1-3
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.broker(4).bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2, 3)))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
            try (KafkaProducer<String, String> producer = producer()) {
                NumberedRecords.send(producer, TOPIC, 0, 50);
                stopCleanly(3);
                assertEquals(List.of(1, 2), state().isr());
                NumberedRecords.send(producer, TOPIC, 50, 50); // the ISR holds min.insync.replicas: acknowledged
            }
            stopCleanly(2);
            TopicPartitionInfo shrunk = describe(admin);
            assertEquals(List.of(1), ids(shrunk.isr()));
            assertEquals(List.of(2), ids(shrunk.elr()), "2 left an ISR below min.insync.replicas; 3 left before");
            assertEquals(List.of(), ids(shrunk.lastKnownElr()));

            cluster.stop(1); // the leader dies; the quorum fences it
            cluster.quorum(3).submit(new MetadataRecord.FenceBroker(1)).get(5, TimeUnit.SECONDS);
            TopicPartitionInfo leaderless = describe(admin);
            assertNull(leaderless.leader());
            assertEquals(List.of(), ids(leaderless.isr()));
            assertEquals(List.of(1, 2), ids(leaderless.elr()));
            assertEquals(List.of(1), ids(leaderless.lastKnownElr()), "the last leader");

            startBroker(2); // its data dir kept: a clean restart, still eligible
            LocalCluster.await(() -> state().leader() == 2, "2 leads from the ELR");
            TopicPartitionInfo elected = describe(admin);
            assertEquals(2, elected.leader().id());
            assertEquals(List.of(2), ids(elected.isr()));
            assertEquals(List.of(1), ids(elected.elr()));
            assertEquals(List.of(), ids(elected.lastKnownElr()));

            startBroker(3);
            LocalCluster.await(() -> state().isr().equals(List.of(2, 3)), "3 back in the ISR");
            assertEquals(List.of(), ids(describe(admin).elr()), "the ISR reached min.insync.replicas again");
        }
        List<ConsumerRecord<String, String>> read = readAll(100);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, read.get(i).offset());
            assertEquals("v" + i, read.get(i).value());
        }
        try (KafkaProducer<String, String> producer = producer()) {
            NumberedRecords.send(producer, TOPIC, 100, 1);
        }
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).sorted().toList();
    }

    private TopicPartitionInfo describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC).partitions().get(0);
    }

    private PartitionState state() {
        return cluster.image().partition(TOPIC, 0);
    }

    private KafkaProducer<String, String> producer() {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrap(), "acks", "all",
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName(),
                "delivery.timeout.ms", "30000", "request.timeout.ms", "10000", "max.block.ms", "20000"));
        return new KafkaProducer<>(props);
    }

    private List<ConsumerRecord<String, String>> readAll(int expected) {
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", cluster.bootstrap(),
                "key.deserializer", StringDeserializer.class.getName(), "value.deserializer", StringDeserializer.class.getName(),
                "auto.offset.reset", "earliest"))) {
            consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
            long deadline = System.currentTimeMillis() + 20_000;
            while (all.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        assertEquals(expected, all.size());
        return all;
    }
}
