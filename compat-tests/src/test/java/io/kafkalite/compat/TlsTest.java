package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stock Java clients over TLS: one-way and mutual, each listener advertising its own endpoint; and
 * the failures a Kafka user knows (no client certificate where one is required, a client that does not
 * trust the broker, a plaintext client on a TLS port) fail as they do on Kafka, while others are served.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsTest {
    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withoutAuthorizer(Map.of());

    @BeforeAll
    static void topic() throws Exception {
        try (Admin admin = SecureBroker.admin(broker.tls("SSL", false))) {
            admin.createTopics(List.of(new NewTopic("tls", 1, (short) 1))).all().get();
        }
    }

    private static List<String> roundTrip(Map<String, Object> client, String value) throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(client)) {
            producer.send(new ProducerRecord<>("tls", "k", value)).get();
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(client, null)) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition("tls", 0)));
            consumer.seekToBeginning(consumer.assignment());
            return SecureBrokerRecords.values(consumer, value, Duration.ofSeconds(30));
        }
    }

    @Test
    void oneWayTlsRoundTripsAndAdvertisesItsOwnPort() throws Exception {
        List<String> values = roundTrip(broker.tls("SSL", false), "over-tls");
        assertEquals("over-tls", values.get(values.size() - 1));
        try (Admin admin = SecureBroker.admin(broker.tls("SSL", false))) {
            Node node = admin.describeCluster().nodes().get().iterator().next();
            assertEquals(broker.port("SSL"), node.port(), "the SSL listener advertises itself, not another listener");
        }
    }

    @Test
    void mutualTlsRoundTrips() throws Exception {
        List<String> values = roundTrip(broker.mutualTls(), "over-mtls");
        assertEquals("over-mtls", values.get(values.size() - 1));
    }

    @Test
    void aClientWithoutTheRequiredCertificateFailsAuthentication() {
        assertSslAuthenticationFails(broker.tls("MTLS", false));
    }

    @Test
    void aClientThatDoesNotTrustTheBrokerFailsAuthentication() {
        Map<String, Object> client = new HashMap<>();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap("SSL"));
        client.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL"); // the JDK's default truststore: our CA is not in it
        assertSslAuthenticationFails(client);
    }

    @Test
    void aPlaintextClientOnTheTlsPortGetsNothingAndOthersAreStillServed() throws Exception {
        Map<String, Object> client = new HashMap<>();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap("SSL"));
        client.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        client.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        try (Admin admin = Admin.create(client)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000)).clusterId().get());
            assertInstanceOf(TimeoutException.class, e.getCause());
        }
        List<String> values = roundTrip(broker.tls("SSL", false), "still-served");
        assertEquals("still-served", values.get(values.size() - 1));
    }

    private static void assertSslAuthenticationFails(Map<String, Object> client) {
        Map<String, Object> c = new HashMap<>(client);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(c)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> admin.describeCluster().clusterId().get());
            assertInstanceOf(SslAuthenticationException.class, e.getCause(), e.toString());
        }
    }
}
