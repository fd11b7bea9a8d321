package io.kafkalite.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.kafkalite.broker.Broker;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** Runs sample test classes through the JUnit engine and checks what the extension did for them. */
class KafkaliteExtensionTest {
    /** Bootstrap addresses seen by the sample tests, in the order they ran. */
    static final Queue<String> seen = new ConcurrentLinkedQueue<>();
    /** Read by {@link FixedPort} when the engine first touches it. */
    static volatile int fixedPort;

    @Test
    void staticFieldServesTheWholeClassAndClosesAfterIt() throws Exception {
        run(StaticField.class).assertStatistics(s -> s.succeeded(2).failed(0));
        List<String> addresses = List.copyOf(seen);
        assertEquals(2, addresses.size());
        assertEquals(addresses.get(0), addresses.get(1), "one broker for the class");
        assertClosed(addresses.get(0));
    }

    @Test
    void instanceFieldGivesEachTestItsOwnBroker() throws Exception {
        run(InstanceField.class).assertStatistics(s -> s.succeeded(2).failed(0));
        List<String> addresses = List.copyOf(seen);
        assertNotEquals(addresses.get(0), addresses.get(1));
        assertClosed(addresses.get(0));
        assertClosed(addresses.get(1));
    }

    @Test
    void annotationCreatesTopicsAndInjectsTheBroker() {
        run(Annotated.class).assertStatistics(s -> s.succeeded(2).failed(0));
        assertEquals(Set.of(seen.peek()), Set.copyOf(seen));
    }

    @Test
    void annotationPerTestGivesFreshBrokers() {
        run(AnnotatedPerTest.class).assertStatistics(s -> s.succeeded(2).failed(0));
        assertEquals(2, Set.copyOf(seen).size());
    }

    @Test
    void classesRunInParallelEachOnItsOwnBroker() {
        seen.clear();
        EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "4")
                .selectors(selectClass(StaticField.class), selectClass(InstanceField.class), selectClass(Annotated.class),
                        selectClass(AnnotatedPerTest.class))
                .execute().testEvents().assertStatistics(s -> s.succeeded(8).failed(0));
        // 1 + 2 + 1 + 2 brokers
        assertEquals(6, Set.copyOf(seen).size(), seen.toString());
    }

    @Test
    void aFixedPortIsHonoured() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        fixedPort = port;
        run(FixedPort.class).assertStatistics(s -> s.succeeded(1).failed(0));
        assertEquals("localhost:" + port, seen.peek());
    }

    @Test
    void usingTheBrokerOutsideATestSaysWhy() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new KafkaliteExtension().bootstrapServers());
        assertEquals("No broker is running: use it from a test or a @BeforeEach/@BeforeAll method", e.getMessage());
    }

    private static Events run(Class<?> sample) {
        seen.clear();
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute().testEvents();
    }

    private static void assertClosed(String bootstrap) {
        String[] hostPort = bootstrap.split(":");
        assertThrows(IOException.class, () -> new Socket(hostPort[0], Integer.parseInt(hostPort[1])).close(),
                "nothing listens on " + bootstrap + " after the tests");
    }

    /** Sends one record to {@code topic} and reads it back from the beginning; records the address. */
    static void roundTrip(String bootstrap, String topic) throws Exception {
        seen.add(bootstrap);
        Map<String, Object> common = Map.of("bootstrap.servers", bootstrap);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(common, new StringSerializer(), new StringSerializer());
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(common, new StringDeserializer(), new StringDeserializer())) {
            RecordMetadata sent = producer.send(new ProducerRecord<>(topic, 0, "k", "v-" + bootstrap)).get();
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seek(tp, sent.offset());
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    assertEquals("v-" + bootstrap, r.value());
                    return;
                }
            }
            throw new AssertionError("the record did not come back from " + bootstrap);
        }
    }

    static int partitions(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        }
    }

    static class StaticField {
        @RegisterExtension
        static final KafkaliteExtension kafka = new KafkaliteExtension().topic("orders", 3).config("num.partitions", "2");

        @Test
        void first() throws Exception {
            roundTrip(kafka.bootstrapServers(), "orders");
            assertEquals(3, partitions(kafka.bootstrapServers(), "orders"));
        }

        @Test
        void second() throws Exception {
            roundTrip(kafka.bootstrapServers(), "auto-created");
            assertEquals(2, partitions(kafka.bootstrapServers(), "auto-created"), "num.partitions applies");
        }
    }

    static class InstanceField {
        @RegisterExtension
        final KafkaliteExtension kafka = new KafkaliteExtension().onDisk();

        @Test
        void first() throws Exception {
            roundTrip(kafka.bootstrapServers(), "t");
        }

        @Test
        void second() throws Exception {
            roundTrip(kafka.bootstrapServers(), "t");
        }
    }

    @EmbeddedKafkalite(topics = {"orders:4", "audit"}, config = "group.initial.rebalance.delay.ms=0")
    static class Annotated {
        @Test
        void topicsDeclaredUpFront(Broker broker) throws Exception {
            assertEquals(4, partitions(broker.bootstrapServers(), "orders"));
            assertEquals(1, partitions(broker.bootstrapServers(), "audit"));
            seen.add(broker.bootstrapServers());
        }

        @Test
        void roundTrips(Broker broker) throws Exception {
            roundTrip(broker.bootstrapServers(), "orders");
        }
    }

    @EmbeddedKafkalite(perTest = true, inMemory = false)
    static class AnnotatedPerTest {
        @Test
        void first(Broker broker) throws Exception {
            roundTrip(broker.bootstrapServers(), "t");
        }

        @Test
        void second(Broker broker) throws Exception {
            roundTrip(broker.bootstrapServers(), "t");
        }
    }

    static class FixedPort {
        @RegisterExtension
        static final KafkaliteExtension kafka = new KafkaliteExtension().port(fixedPort);

        @Test
        void usesIt() throws Exception {
            roundTrip(kafka.bootstrapServers(), "t");
        }
    }
}
