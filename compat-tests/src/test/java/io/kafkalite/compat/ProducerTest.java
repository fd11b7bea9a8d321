package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stock producer's settings and the topic configs that act on the data path. */
class ProducerTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of());


    static void create(String topic, int partitions, Map<String, String> configs) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        }
    }

    static List<ConsumerRecord<String, String>> read(String topic, int partitions, int expected) {
        try (KafkaConsumer<String, String> c = broker.consumer()) {
            return Records.readAll(c, Records.partitions(topic, partitions), expected, Duration.ofSeconds(20));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "all"})
    void everyAcksSettingDelivers(String acks) throws Exception {
        String topic = "acks-" + acks;
        create(topic, 2, Map.of());
        Map<String, Object> cfg = Map.of(ProducerConfig.ACKS_CONFIG, acks, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all"));
        try (KafkaProducer<String, String> p = broker.producer(cfg)) {
            for (int i = 0; i < 1000; i++) {
                p.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            p.flush();
        }
        // then: the log holds exactly the 1000 records, each once, with its key, and each partition in send order
        // (read first: with acks=0 the last requests may still be in the broker's hands when flush returns)
        List<ConsumerRecord<String, String>> records = read(topic, 2, 1000);
        assertEquals(1000L, endOffsets(topic, 2).values().stream().mapToLong(Long::longValue).sum(), "records in " + topic);
        assertEquals(IntStream.range(0, 1000).mapToObj(i -> "k" + i + "=v" + i).sorted().toList(),
                records.stream().map(r -> r.key() + "=" + r.value()).sorted().toList(), "every record exactly once, key with its value");
        Map<Integer, List<Integer>> order = new TreeMap<>();
        records.forEach(r -> order.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(Integer.parseInt(r.value().substring(1))));
        order.forEach((p, sent) -> assertEquals(sent.stream().sorted().toList(), sent, "send order in partition " + p));
    }

    @Test
    void requestsOfMegabytesArriveWhole() throws Exception {
        // given: records of 3 MB (a pooled buffer) and 6 MB (above the pool's 4 MB chunks), between small ones, so the
        // broker gathers frames spread over many socket reads while other frames of the connection are pipelined
        create("big-frames", 1, Map.of("max.message.bytes", "8000000"));
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> p = broker.producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8_000_000,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 64_000_000L, ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 40; i++) {
                int size = i % 10 == 3 ? 3_000_000 : i % 10 == 7 ? 6_000_000 : 100;
                String value = ("record " + i + " of " + size + " bytes;").repeat(size / 20 + 1).substring(0, size);
                sent.add(value);
                p.send(new ProducerRecord<>("big-frames", value));
            }
            p.flush();
        }
        // then: every record is in the log whole, in order
        List<ConsumerRecord<String, String>> records = read("big-frames", 1, sent.size());
        assertEquals(sent.size(), records.size());
        for (int i = 0; i < sent.size(); i++) {
            assertEquals(i, records.get(i).offset());
            assertTrue(sent.get(i).equals(records.get(i).value()), "record " + i + " (" + sent.get(i).length() + " bytes) read back unchanged");
        }
    }

    static Map<org.apache.kafka.common.TopicPartition, Long> endOffsets(String topic, int partitions) {
        try (KafkaConsumer<String, String> c = broker.consumer()) {
            return c.endOffsets(Records.partitions(topic, partitions));
        }
    }

    @Test
    void autoCreatedTopicGetsNumPartitions() throws Exception {
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            RecordMetadata md = p.send(new ProducerRecord<>("auto-created", "k", "v")).get();
            assertEquals(0, md.offset());
        }
        try (Admin admin = broker.admin()) {
            assertEquals(1, admin.describeTopics(List.of("auto-created")).allTopicNames().get().get("auto-created").partitions().size());
        }
    }

    @Test
    void logAppendTimeStampsBrokerTime() throws Exception {
        create("lat", 1, Map.of("message.timestamp.type", "LogAppendTime"));
        long before = System.currentTimeMillis();
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            RecordMetadata md = p.send(new ProducerRecord<>("lat", null, 1000L, "k", "v")).get();
            assertTrue(md.timestamp() >= before, "the producer is told the broker's time");
        }
        ConsumerRecord<String, String> r = read("lat", 1, 1).get(0);
        assertEquals(TimestampType.LOG_APPEND_TIME, r.timestampType());
        assertTrue(r.timestamp() >= before);
    }

    @Test
    void topicCompressionTypeRecompresses() throws Exception {
        create("recompressed", 1, Map.of("compression.type", "gzip"));
        try (KafkaProducer<String, String> p = broker.producer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"))) {
            for (int i = 0; i < 500; i++) {
                p.send(new ProducerRecord<>("recompressed", "k" + i, "v" + i));
            }
            p.flush();
        }
        assertEquals(500L, endOffsets("recompressed", 1).values().iterator().next(), "records in the log");
        List<ConsumerRecord<String, String>> records = read("recompressed", 1, 500);
        assertEquals(IntStream.range(0, 500).mapToObj(i -> i + " k" + i + "=v" + i).toList(),
                records.stream().map(r -> r.offset() + " " + r.key() + "=" + r.value()).toList(), "offset, key and value of every record");
    }

    @Test
    void oversizedRecordsAreRefusedAndMinInsyncReplicasCountsAtMostTheReplicationFactor() throws Exception {
        create("tiny", 1, Map.of("max.message.bytes", "1000"));
        create("needs-two", 1, Map.of("min.insync.replicas", "2"));
        try (KafkaProducer<String, String> p = broker.producer(Map.of(ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000))) {
            ExecutionException tooLarge = assertThrows(ExecutionException.class, () -> p.send(new ProducerRecord<>("tiny", "k", "x".repeat(5000))).get());
            assertInstanceOf(RecordTooLargeException.class, tooLarge.getCause());
            // Kafka 3.7+: the effective min ISR is min(min.insync.replicas, replication factor), here 1
            assertEquals(0, p.send(new ProducerRecord<>("needs-two", "k", "v")).get().offset(), "acks=all with one replica");
            assertEquals(0, p.send(new ProducerRecord<>("tiny", "k", "small")).get().offset(), "the partition still works");
        }
    }
}
