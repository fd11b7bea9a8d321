package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.cluster.LocalQuorum;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three in-JVM brokers in cluster mode sharing one {@link LocalQuorum} ({@link LocalCluster}): stock clients' consumer
 * groups and transactions are coordinated by the quorum leader's broker and carry on when the leadership moves.
 */
class ClusterCoordinationTest {
    private final LocalCluster cluster = LocalCluster.of(3, Map.of("default.replication.factor", "3", "group.initial.rebalance.delay.ms", "0"));

    @BeforeEach
    void startCluster() throws Exception {
        cluster.startAll();
    }

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    @Test
    void groupsAndTransactionsCarryOnWhenTheQuorumLeadershipMoves() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.broker(3).bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("in", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", cluster.broker(3).bootstrapServers(),
                "transactional.id", "tx", "max.block.ms", "30000"), new StringSerializer(), new StringSerializer());
             KafkaConsumer<String, String> consumer = consumer(cluster.broker(2))) {
            producer.initTransactions();
            transaction(producer, 0, 30, true);
            transaction(producer, 100, 5, false); // aborted: never read
            consumer.subscribe(List.of("in"));
            assertEquals(30, poll(consumer, 30).size());
            consumer.commitSync();
            assertEquals(positions(consumer), committed(cluster.broker(1)), "committed on the coordinator, broker 1");

            cluster.log().setLeader(2); // broker 2 now coordinates, from its replicated tables

            transaction(producer, 30, 10, true);
            assertEquals(10, poll(consumer, 10).size());
            consumer.commitSync(Duration.ofSeconds(30));
            assertEquals(positions(consumer), committed(cluster.broker(3)), "committed on the new coordinator");
        }
        try (KafkaConsumer<String, String> again = consumer(cluster.broker(1));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", cluster.broker(1).bootstrapServers(),
                     "transactional.id", "tx", "max.block.ms", "30000"), new StringSerializer(), new StringSerializer())) {
            producer.initTransactions(); // the transactional id is known to the new coordinator: its epoch is bumped
            transaction(producer, 40, 5, true);
            again.subscribe(List.of("in"));
            List<ConsumerRecord<String, String>> rest = poll(again, 5);
            assertEquals(Set.of("40", "41", "42", "43", "44"), Set.copyOf(rest.stream().map(ConsumerRecord::value).toList()),
                    "the group resumes from its committed offsets");
        }
    }

    private static void transaction(KafkaProducer<String, String> producer, int first, int count, boolean commit) throws Exception {
        producer.beginTransaction();
        for (int i = first; i < first + count; i++) {
            producer.send(new ProducerRecord<>("in", String.valueOf(i), String.valueOf(i)));
        }
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    private static KafkaConsumer<String, String> consumer(Broker bootstrap) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap.bootstrapServers(), "group.id", "g",
                "isolation.level", "read_committed", "auto.offset.reset", "earliest", "enable.auto.commit", "false"),
                new StringDeserializer(), new StringDeserializer());
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (records.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        consumer.poll(Duration.ofMillis(300)).forEach(records::add); // nothing more (no aborted or duplicate record)
        return records;
    }

    /** Where the consumer stands, summed over its partitions (records and the transaction markers after them). */
    private static long positions(KafkaConsumer<String, String> consumer) {
        return consumer.assignment().stream().mapToLong(consumer::position).sum();
    }

    private static long committed(Broker bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            return offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
        }
    }
}
