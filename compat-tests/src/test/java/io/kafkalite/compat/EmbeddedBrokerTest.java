package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkalite.broker.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding API as a user's test calls it: Broker.builder()...start(), then stock clients. */
class EmbeddedBrokerTest {
    @TempDir
    Path dir;

    @Test
    void inMemoryBrokerRoundTripsAndWritesNothing() throws Exception {
        Path unused = dir.resolve("never-created");
        try (Broker broker = Broker.builder().inMemory().config("log.dirs", unused.toString()).topic("orders", 3).start()) {
            RecordMetadata sent = send(broker, "orders", 2, "first");
            assertEquals(0, sent.offset());
            assertEquals(List.of("first"), read(broker, new TopicPartition("orders", 2)));
        }
        assertFalse(Files.exists(unused), "an in-memory broker creates no log directory");
    }

    @Test
    void dataDirSurvivesANewBroker() throws Exception {
        Path data = dir.resolve("data");
        try (Broker broker = Broker.builder().dataDir(data).start()) {
            broker.createTopic("kept", 1, Map.of("retention.ms", "-1"));
            send(broker, "kept", 0, "before");
        }
        try (Broker broker = Broker.builder().dataDir(data).start()) {
            send(broker, "kept", 0, "after");
            assertEquals(List.of("before", "after"), read(broker, new TopicPartition("kept", 0)));
        }
    }

    @Test
    void createTopicRefusesWhatKafkaRefuses() {
        try (Broker broker = Broker.builder().inMemory().topic("dup", 1).start()) {
            assertThrows(IllegalArgumentException.class, () -> broker.createTopic("dup", 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> broker.createTopic("bad name!", 1));
            assertEquals("Topic name is invalid: 'bad name!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
                    e.getMessage());
        }
    }

    @Test
    void securityOnByFlag() throws Exception {
        try (Broker broker = Broker.builder().inMemory().sasl("app", "app-secret").topic("secured", 1).start();
             Admin admin = Admin.create(new HashMap<String, Object>(broker.clientConfig()))) {
            assertEquals("SASL_PLAINTEXT", broker.clientConfig().get("security.protocol"));
            assertEquals(Set.of("secured"), admin.listTopics().names().get());
            Map<String, Object> wrong = new HashMap<>(broker.clientConfig());
            wrong.put("sasl.jaas.config", broker.clientConfig().get("sasl.jaas.config").replace("app-secret", "guess"));
            wrong.put("default.api.timeout.ms", 5000);
            wrong.put("request.timeout.ms", 5000);
            try (Admin intruder = Admin.create(wrong)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> intruder.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause());
            }
        }
    }

    private static RecordMetadata send(Broker broker, String topic, int partition, String value) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            return p.send(new ProducerRecord<>(topic, partition, null, value)).get();
        }
    }

    private static List<String> read(Broker broker, TopicPartition tp) {
        try (KafkaConsumer<String, String> c = TestBroker.consumer(broker.bootstrapServers())) {
            return Records.readToEnd(c, List.of(tp), Duration.ofSeconds(10)).stream().map(ConsumerRecord::value).toList();
        }
    }
}
