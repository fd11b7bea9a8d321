package io.kafkalite.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;

/** Start, stop, ports, properties: what a Spring context relies on. */
class LifecycleTest {

    @Test
    void kafkaPortsIsHonoured() throws Exception {
        // given
        int port = freePort();
        KafkaliteEmbeddedKafkaBroker broker = new KafkaliteEmbeddedKafkaBroker(1, 1).kafkaPorts(port);

        // when
        broker.afterPropertiesSet();
        try {
            // then
            assertEquals("localhost:" + port, broker.getBrokersAsString());
            List<Node> nodes = broker.doWithAdminFunction(admin -> get(admin, a -> List.copyOf(a.describeCluster().nodes().get())));
            assertEquals(1, nodes.size());
            assertEquals(port, nodes.get(0).port());
        } finally {
            broker.destroy();
        }
    }

    @Test
    void brokerPropertiesReachTheBrokerAndTheAddressIsPublishedAndWithdrawn() {
        // given: properties as spring's @EmbeddedKafka factory passes them, values of any type
        Properties props = new Properties();
        props.put("num.partitions", 3);
        props.put("transaction.state.log.replication.factor", "1");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Map<String, String> brokerProperties = (Map) props;
        KafkaliteEmbeddedKafkaBroker broker = new KafkaliteEmbeddedKafkaBroker(1, 1)
                .brokerProperties(brokerProperties)
                .brokerListProperty("my.brokers");

        // when
        broker.afterPropertiesSet();
        String brokers = broker.getBrokersAsString();
        try {
            // then: a topic created without a partition count gets the broker's num.partitions
            TopicDescription auto = broker.doWithAdminFunction(admin -> get(admin, a -> {
                a.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("auto", java.util.Optional.empty(),
                        java.util.Optional.empty()))).all().get();
                return a.describeTopics(List.of("auto")).allTopicNames().get().get("auto");
            }));
            assertEquals(3, auto.partitions().size());
            assertEquals(brokers, System.getProperty("my.brokers"));
            assertEquals(brokers, System.getProperty(EmbeddedKafkaBroker.SPRING_EMBEDDED_KAFKA_BROKERS));
        } finally {
            broker.destroy();
        }
        assertNull(System.getProperty("my.brokers"));
        assertNull(System.getProperty(EmbeddedKafkaBroker.SPRING_EMBEDDED_KAFKA_BROKERS));
        assertNull(broker.getBroker());
    }

    @Test
    void startingTwiceKeepsOneBrokerAndStoppedBrokersRefuseWork() {
        KafkaliteEmbeddedKafkaBroker broker = new KafkaliteEmbeddedKafkaBroker(1, 2);
        assertThrows(IllegalArgumentException.class, broker::getBrokersAsString, EmbeddedKafkaBroker.BROKER_NEEDED);

        broker.afterPropertiesSet();
        io.kafkalite.broker.Broker first = broker.getBroker();
        broker.afterPropertiesSet();
        assertSame(first, broker.getBroker());

        broker.destroy();
        broker.destroy();
        assertThrows(IllegalArgumentException.class, () -> broker.addTopics("late"));
    }

    @Test
    void aSpringContextStartsItAndClosingTheContextStopsIt() throws Exception {
        // given
        int port = freePort();
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.registerBean(EmbeddedKafkaBroker.BEAN_NAME, EmbeddedKafkaBroker.class,
                () -> new KafkaliteEmbeddedKafkaBroker(1, 1, "t").kafkaPorts(port));

        // when
        context.refresh();
        assertEquals("localhost:" + port, System.getProperty(EmbeddedKafkaBroker.SPRING_EMBEDDED_KAFKA_BROKERS));
        context.close();

        // then the port is free again and the address withdrawn
        try (ServerSocket rebound = new ServerSocket(port)) {
            assertEquals(port, rebound.getLocalPort());
        }
        assertNull(System.getProperty(EmbeddedKafkaBroker.SPRING_EMBEDDED_KAFKA_BROKERS));
    }

    @Test
    void onlyOneBrokerAndOnePortAreAccepted() {
        assertThrows(IllegalArgumentException.class, () -> new KafkaliteEmbeddedKafkaBroker(3, 1));
        assertThrows(IllegalArgumentException.class, () -> new KafkaliteEmbeddedKafkaBroker(1, 1).kafkaPorts(0, 0));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private interface AdminCall<T> {
        T call(AdminClient admin) throws Exception;
    }

    private static <T> T get(AdminClient admin, AdminCall<T> call) {
        try {
            return call.call(admin);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
