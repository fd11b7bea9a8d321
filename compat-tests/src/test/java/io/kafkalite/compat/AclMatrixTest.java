package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ACL matrix with stock Java clients over SASL/PLAIN and mutual TLS, against a broker
 * configured as a secured Kafka is: StandardAuthorizer, super.users, no allow-everyone.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AclMatrixTest {
    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withAuthorizer();

    private static ResourcePattern topicPrefix(String prefix) {
        return new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED);
    }

    private static AclBinding allow(String principal, ResourcePattern resource, AclOperation op) {
        return new AclBinding(resource, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    @BeforeAll
    static void setUp() throws Exception {
        try (Admin admin = broker.admin("admin")) {
            admin.createTopics(List.of(new NewTopic("orders-eu", 1, (short) 1), new NewTopic("payments", 1, (short) 1))).all().get();
            admin.createAcls(List.of(
                    allow("User:alice", topicPrefix("orders-"), AclOperation.READ),
                    allow("User:alice", new ResourcePattern(ResourceType.GROUP, "alice-group", PatternType.LITERAL), AclOperation.READ),
                    allow(SecureBroker.CLIENT_CERT_PRINCIPAL, new ResourcePattern(ResourceType.TOPIC, "payments", PatternType.LITERAL),
                            AclOperation.WRITE))).all().get();
        }
        try (KafkaProducer<String, String> producer = broker.producer(broker.saslPlain("admin"))) {
            producer.send(new ProducerRecord<>("orders-eu", "k", "order-1")).get();
            producer.send(new ProducerRecord<>("payments", "k", "payment-1")).get();
        }
    }

    @Test
    void aPrefixedReadAllowsConsumingWithItsGroupOnly() {
        try (KafkaConsumer<String, String> consumer = broker.consumer(broker.saslPlain("alice"), "alice-group")) {
            consumer.subscribe(List.of("orders-eu"));
            List<String> values = SecureBrokerRecords.values(consumer, 1, Duration.ofSeconds(30));
            assertEquals(List.of("order-1"), values);
            consumer.commitSync();
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(broker.saslPlain("alice"), "other-group")) {
            consumer.subscribe(List.of("orders-eu"));
            assertThrows(GroupAuthorizationException.class, () -> consumer.poll(Duration.ofSeconds(20)));
        }
    }

    @Test
    void readDoesNotAllowProducingNorOtherTopicsNorCreating() throws Exception {
        // idempotent (the default): InitProducerId needs IDEMPOTENT_WRITE or WRITE on some topic, as in Kafka (KIP-679)
        try (KafkaProducer<String, String> producer = broker.producer(broker.saslPlain("alice"), Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000))) {
            Exception e = assertThrows(Exception.class, () -> producer.send(new ProducerRecord<>("orders-eu", "k", "forged")).get());
            assertInstanceOf(ClusterAuthorizationException.class, e instanceof ExecutionException ? e.getCause() : e, e.toString());
        }
        try (KafkaProducer<String, String> producer = broker.producer(broker.saslPlain("alice"),
                Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("orders-eu", "k", "forged")).get());
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(broker.saslPlain("alice"), "alice-group")) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition("payments", 0)));
            consumer.seekToBeginning(consumer.assignment());
            assertThrows(TopicAuthorizationException.class, () -> consumer.poll(Duration.ofSeconds(20)));
        }
        try (Admin alice = broker.admin("alice")) {
            Set<String> visible = alice.listTopics().names().get();
            assertTrue(visible.contains("orders-eu"), visible.toString());
            assertFalse(visible.contains("payments"), "a topic alice may not describe is not in Metadata: " + visible);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> alice.createTopics(List.of(new NewTopic("orders-new", 1, (short) 1))).all().get());
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
        }
    }

    @Test
    void aLiteralDenyOverridesThePrefixedAllowUntilRemoved() throws Exception {
        AclBinding deny = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "orders-eu", PatternType.LITERAL),
                new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.DENY));
        try (Admin admin = broker.admin("admin")) {
            admin.createAcls(List.of(deny)).all().get();
            try (KafkaConsumer<String, String> consumer = broker.consumer(broker.saslPlain("alice"), "alice-group")) {
                consumer.assign(List.of(new org.apache.kafka.common.TopicPartition("orders-eu", 0)));
                consumer.seekToBeginning(consumer.assignment());
                assertThrows(TopicAuthorizationException.class, () -> consumer.poll(Duration.ofSeconds(20)));
            }
            assertEquals(1, admin.deleteAcls(List.of(deny.toFilter())).all().get().size());
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(broker.saslPlain("alice"), "alice-group")) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition("orders-eu", 0)));
            consumer.seekToBeginning(consumer.assignment());
            assertEquals(List.of("order-1"), SecureBrokerRecords.values(consumer, 1, Duration.ofSeconds(30)));
        }
    }

    @Test
    void aCertificatePrincipalGetsItsOwnAcls() throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(broker.mutualTls())) {
            assertEquals(1, producer.send(new ProducerRecord<>("payments", "k", "by-certificate")).get().offset());
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("orders-eu", "k", "not-allowed")).get());
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
        }
    }

    @Test
    void theSuperUserMayDoEverythingAndAclsAreListed() throws Exception {
        try (Admin admin = broker.admin("admin")) {
            admin.createTopics(List.of(new NewTopic("anything", 1, (short) 1))).all().get();
            assertTrue(admin.listTopics().names().get().containsAll(Set.of("orders-eu", "payments", "anything")));
            var bindings = admin.describeAcls(AclBindingFilter.ANY).values().get();
            assertTrue(bindings.contains(allow("User:alice", topicPrefix("orders-"), AclOperation.READ)), bindings.toString());
        }
    }
}
