package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.handlers.metrics.Meter;
import io.kafkalite.handlers.metrics.MetricName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.replica.RackAwareReplicaSelector;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * KIP-392 with stock clients on three in-JVM brokers (racks r1-r3, Kafka's RackAwareReplicaSelector): a consumer with
 * {@code client.rack=r2} reads a partition led by broker 1 from broker 2, and back from the leader once broker 2 is gone.
 * The evidence is each broker's BytesOutPerSec for the topic (record bytes of consumers' fetch responses).
 */
@Timeout(60)
class ClosestReplicaTest {
    private static final String TOPIC = "near";
    private final LocalQuorum.Log log = new LocalQuorum.Log();
    private final List<Broker> brokers = new ArrayList<>();
    private final List<MetadataQuorum> quorums = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        for (int id = 1; id <= 3; id++) {
            brokers.add(Broker.builder()
                    .config("process.roles", "broker,controller")
                    .config("node.id", String.valueOf(id))
                    .config("broker.rack", "r" + id)
                    .config("replica.selector.class", RackAwareReplicaSelector.class.getName())
                    .config("controller.quorum.voters", "1@localhost:19591,2@localhost:19592,3@localhost:19593")
                    .config("controller.listener.names", "CONTROLLER")
                    .config("listeners", "PLAINTEXT://localhost:0,CONTROLLER://localhost:1959" + id)
                    .config("replica.fetch.wait.max.ms", "100")
                    .config("replica.lag.time.max.ms", "1000")
                    .quorum(LocalQuorumStarter.of(log, quorums))
                    .start());
        }
        await(() -> log.image().brokers().values().stream().filter(b -> !b.fenced()).count() == 3, "3 unfenced brokers");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2, 3))))).all().get();
        }
    }

    @AfterEach
    void stopCluster() {
        brokers.stream().filter(Objects::nonNull).forEach(Broker::close);
        log.close();
    }

    @Test
    void aConsumerReadsFromTheFollowerInItsRackAndFallsBackToTheLeaderWhenItDies() throws Exception {
        try (KafkaProducer<String, String> producer = producer();
             KafkaConsumer<String, String> consumer = consumer("r2")) {
            NumberedRecords.send(producer, TOPIC, 0, 100);
            await(() -> log.image().partition(TOPIC, 0).isr().size() == 3, "all in sync");
            consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(TOPIC, 0)));
            List<ConsumerRecord<String, String>> read = poll(consumer, 100);
            NumberedRecords.assertRead(read, 0, 100);
            assertEquals(0, bytesOut(1), "the leader sent no records: only the preferred read replica");
            assertTrue(bytesOut(2) > 0, "the follower in the consumer's rack served them");
            assertEquals(0, bytesOut(3));

            brokers.get(1).close(); // the preferred replica goes away
            brokers.set(1, null);
            NumberedRecords.send(producer, TOPIC, 100, 50); // acks=all: waits until the leader drops 2 from the ISR
            List<ConsumerRecord<String, String>> rest = poll(consumer, 50);
            NumberedRecords.assertRead(rest, 100, 50);
            assertTrue(bytesOut(1) > 0, "the consumer went back to the leader");
        }
    }

    @Test
    void aConsumerWithoutARackReadsFromTheLeader() throws Exception {
        try (KafkaProducer<String, String> producer = producer();
             KafkaConsumer<String, String> consumer = consumer(null)) {
            NumberedRecords.send(producer, TOPIC, 0, 20);
            consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(TOPIC, 0)));
            NumberedRecords.assertRead(poll(consumer, 20), 0, 20);
            assertTrue(bytesOut(1) > 0);
            assertEquals(0, bytesOut(2) + bytesOut(3));
        }
    }

    /** Bytes of records broker {@code id} sent to consumers of the topic. */
    private long bytesOut(int id) {
        Object meter = brokers.get(id - 1).metrics().metrics().get(MetricName.of("kafka.server", "BrokerTopicMetrics", "BytesOutPerSec",
                "topic", TOPIC));
        return meter == null ? 0 : ((Meter) meter).getCount();
    }

    private String bootstrap() {
        return brokers.stream().filter(Objects::nonNull).map(Broker::bootstrapServers).collect(Collectors.joining(","));
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap(), "acks", "all",
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName(),
                "delivery.timeout.ms", "30000", "request.timeout.ms", "10000", "max.block.ms", "20000"));
    }

    private KafkaConsumer<String, String> consumer(String rack) {
        Map<String, Object> props = new java.util.HashMap<>(Map.of("bootstrap.servers", bootstrap(),
                "key.deserializer", StringDeserializer.class.getName(), "value.deserializer", StringDeserializer.class.getName(),
                "request.timeout.ms", "5000", "reconnect.backoff.max.ms", "200"));
        if (rack != null) {
            props.put("client.rack", rack);
        }
        return new KafkaConsumer<>(props);
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int expected) {
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (all.size() < expected && System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(all::add);
        }
        return all;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
