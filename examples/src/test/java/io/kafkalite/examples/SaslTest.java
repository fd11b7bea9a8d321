package io.kafkalite.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkalite.broker.Broker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SASL/PLAIN users and ACLs configured with Kafka's own class names ({@code PlainLoginModule},
 * {@code StandardAuthorizer}), which the broker maps to its relocated copy of kafka-clients.
 */
class SaslTest {
    private static Broker broker;

    @BeforeAll
    static void start() {
        broker = Broker.builder().inMemory().topic("audit", 1)
                .config("listeners", "SASL_PLAINTEXT://localhost:0")
                .config("sasl.enabled.mechanisms", "PLAIN")
                .config("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " user_admin=\"admin-secret\" user_alice=\"alice-secret\";")
                .config("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .config("super.users", "User:admin")
                .start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void superUserRoundTrips() throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), as("admin", "admin-secret"));
             KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), "auditors", as("admin", "admin-secret"))) {
            producer.send(new ProducerRecord<>("audit", "who", "admin")).get();
            consumer.subscribe(List.of("audit"));
            assertEquals("admin", Clients.poll(consumer, 1).get(0).value());
        }
    }

    @Test
    void userWithoutAclsIsRefused() {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                with(as("alice", "alice-secret"), "max.block.ms", "5000"))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>("audit", "who", "alice")).get());
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
        }
    }

    @Test
    void wrongPasswordFailsAuthentication() {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                with(as("alice", "wrong"), "max.block.ms", "5000"))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>("audit", "who", "mallory")).get());
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
        }
    }

    private static Map<String, String> as(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\"" + password + "\";");
    }

    private static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put(key, value);
        return all;
    }
}
