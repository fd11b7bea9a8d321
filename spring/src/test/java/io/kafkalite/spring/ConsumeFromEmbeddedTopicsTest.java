package io.kafkalite.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.kafka.test.utils.KafkaTestUtils;

/** The consume* helpers with spring-kafka-test's KafkaTestUtils, as spring's own tests use them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsumeFromEmbeddedTopicsTest {
    private final KafkaliteEmbeddedKafkaBroker broker = new KafkaliteEmbeddedKafkaBroker(1, 3, "orders", "payments", "audit", "refunds");
    private KafkaProducer<Integer, String> producer;

    @BeforeAll
    void start() {
        broker.afterPropertiesSet();
        producer = new KafkaProducer<>(KafkaTestUtils.producerProps(broker), new IntegerSerializer(), new StringSerializer());
    }

    @AfterAll
    void stop() {
        producer.close();
        broker.destroy();
    }

    @Test
    void consumeFromAnEmbeddedTopicThenGetSingleRecord() throws Exception {
        // given
        producer.send(new ProducerRecord<>("orders", 7, "order 7")).get();

        try (Consumer<Integer, String> consumer = consumer("single")) {
            // when
            broker.consumeFromAnEmbeddedTopic(consumer, "orders");
            ConsumerRecord<Integer, String> record = KafkaTestUtils.getSingleRecord(consumer, "orders");

            // then
            assertEquals(7, record.key());
            assertEquals("order 7", record.value());
            assertEquals(0, record.offset());
            assertEquals(3, consumer.assignment().size(), "all three partitions are assigned before the helper returns");
        }
    }

    @Test
    void seekToEndSkipsWhatWasThereBefore() throws Exception {
        // given
        producer.send(new ProducerRecord<>("payments", 0, 1, "before")).get();

        try (Consumer<Integer, String> consumer = consumer("end")) {
            // when
            broker.consumeFromAnEmbeddedTopic(consumer, true, "payments");
            producer.send(new ProducerRecord<>("payments", 0, 2, "after")).get();
            ConsumerRecord<Integer, String> record = KafkaTestUtils.getSingleRecord(consumer, "payments");

            // then
            assertEquals("after", record.value());
            assertEquals(1, record.offset());
        }
    }

    @Test
    void consumeFromAllEmbeddedTopicsReadsEachTopicFromTheBeginning() throws Exception {
        // given
        producer.send(new ProducerRecord<>("audit", 1, "audited")).get();
        producer.send(new ProducerRecord<>("refunds", 8, "refund 8")).get();

        try (Consumer<Integer, String> consumer = consumer("all")) {
            // when
            broker.consumeFromAllEmbeddedTopics(consumer);
            Set<String> values = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!values.containsAll(Set.of("audited", "refund 8")) && System.nanoTime() < deadline) {
                KafkaTestUtils.getRecords(consumer, Duration.ofSeconds(1)).forEach(r -> values.add(r.value()));
            }

            // then
            assertTrue(values.containsAll(Set.of("audited", "refund 8")), "read " + values);
            assertEquals(Set.of("orders", "payments", "audit", "refunds"),
                    consumer.assignment().stream().map(tp -> tp.topic()).collect(Collectors.toSet()));
        }
    }

    @Test
    void aTopicThatIsNotEmbeddedIsRefused() {
        try (Consumer<Integer, String> consumer = consumer("refused")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> broker.consumeFromEmbeddedTopics(consumer, "orders", "elsewhere"));
            assertTrue(e.getMessage().contains("elsewhere"), e.getMessage());
        }
    }

    private Consumer<Integer, String> consumer(String group) {
        Map<String, Object> props = new HashMap<>(KafkaTestUtils.consumerProps(broker, group, false));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"); // so only the helper's seek can rewind
        return new KafkaConsumer<>(props);
    }
}
