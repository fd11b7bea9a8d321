package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.replica.RackAwareReplicaSelector;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * KIP-392 on 3 broker processes (racks r1-r3, Kafka's RackAwareReplicaSelector): the leader of a partition sends a
 * consumer of rack r2 to broker 2 (a raw Fetch shows {@code preferred_read_replica}); a stock consumer with
 * {@code client.rack=r2} reads every record, and after kill -9 of broker 2 reads the later ones from the leader.
 */
@Isolated // kills a broker, three JVMs on two cores
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClosestReplicaProcessesTest {
    private static final String TOPIC = "near";

    @TempDir
    static Path dir;
    static ClusterProcesses cluster;
    static ClusterAdmin admin;

    @BeforeAll
    static void startCluster() throws Exception {
        ClusterProcesses.Builder builder = ClusterProcesses.builder("ClosestReplicaProcessesTest", dir)
                .config("replica.selector.class", RackAwareReplicaSelector.class.getName())
                .config("broker.session.timeout.ms", "3000").config("broker.heartbeat.interval.ms", "500")
                .config("replica.lag.time.max.ms", "3000");
        for (int id = 1; id <= 3; id++) {
            builder.config(id, "broker.rack", "r" + id);
        }
        cluster = builder.start();
        admin = new ClusterAdmin(cluster);
        admin.awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopCluster() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aConsumerReadsFromTheReplicaInItsRackAndFromTheLeaderOnceThatReplicaIsGone() throws Exception {
        admin.admin().createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2, 3))))).all().get(30, TimeUnit.SECONDS);
        admin.awaitIsr(TOPIC, 1, 3, Duration.ofSeconds(30));
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (KafkaProducer<String, String> producer = producer();
             KafkaConsumer<String, String> consumer = consumer("r2")) {
            send(producer, 0, 100);
            assertEquals(2, preferredReadReplica(admin.leaderOf(tp), "r2"), "the leader prefers broker 2 for rack r2");
            assertEquals(-1, preferredReadReplica(admin.leaderOf(tp), "r9"));

            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertContent(poll(consumer, 100), 0, 100);

            cluster.kill9(2);
            send(producer, 100, 50);
            assertContent(poll(consumer, 50), 100, 50);
        }
    }

    /** A raw consumer Fetch v17 from rack {@code rack} to broker {@code id}: the partition's preferred_read_replica. */
    private int preferredReadReplica(int id, String rack) throws Exception {
        FetchRequestData data = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20).setSessionEpoch(-1)
                .setRackId(rack).setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(-1));
        data.topics().add(new FetchRequestData.FetchTopic().setTopicId(admin.admin().describeTopics(List.of(TOPIC)).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(TOPIC).topicId()).setPartitions(List.of(new FetchRequestData.FetchPartition()
                .setPartition(0).setFetchOffset(0).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20))));
        try (RawClient raw = new RawClient(cluster.node(id).port)) {
            FetchResponse response = raw.call(new FetchRequest(data, (short) 17));
            FetchResponseData.PartitionData pd = response.data().responses().get(0).partitions().get(0);
            assertEquals(0, pd.errorCode());
            return pd.preferredReadReplica();
        }
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", cluster.bootstrap(), "acks", "all",
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName(),
                "delivery.timeout.ms", "60000", "request.timeout.ms", "10000", "max.block.ms", "30000"));
    }

    private KafkaConsumer<String, String> consumer(String rack) {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrap(), "client.rack", rack,
                "key.deserializer", StringDeserializer.class.getName(), "value.deserializer", StringDeserializer.class.getName(),
                "request.timeout.ms", "5000", "reconnect.backoff.max.ms", "200"));
        return new KafkaConsumer<>(props);
    }

    private static void send(KafkaProducer<String, String> producer, int from, int count) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v" + i)));
        }
        for (int i = 0; i < count; i++) {
            assertEquals(from + i, sent.get(i).get(60, TimeUnit.SECONDS).offset());
        }
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int expected) {
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 60_000;
        while (all.size() < expected && System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(all::add);
        }
        return all;
    }

    private static void assertContent(List<ConsumerRecord<String, String>> read, int from, int count) {
        assertEquals(count, read.size());
        for (int i = 0; i < count; i++) {
            assertEquals(from + i, read.get(i).offset());
            assertEquals("v" + (from + i), read.get(i).value());
        }
    }
}
