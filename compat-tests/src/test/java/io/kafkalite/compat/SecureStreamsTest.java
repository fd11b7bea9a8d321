package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock Kafka Streams application with exactly-once over SASL_SSL, as a user with only the ACLs
 * Kafka's security guide gives a Streams application (read its input, write its output, everything on
 * topics, transactional ids and the group named after its application id): every word counted once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SecureStreamsTest {
    private static final String APP = "secure-word-count";

    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withAuthorizer(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    Path stateDir;

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry("User:bob", "*", op, AclPermissionType.ALLOW));
    }

    @Test
    void exactlyOnceWordCountOverSaslSslWithOnlyItsAcls() throws Exception {
        Map<String, Long> expected = new HashMap<>();
        try (Admin admin = broker.admin("admin")) {
            admin.createTopics(List.of(new NewTopic("secure-lines", 2, (short) 1), new NewTopic("secure-counts", 2, (short) 1))).all().get();
            admin.createAcls(List.of(
                    allow(ResourceType.TOPIC, "secure-lines", PatternType.LITERAL, AclOperation.READ),
                    allow(ResourceType.TOPIC, "secure-counts", PatternType.LITERAL, AclOperation.WRITE),
                    allow(ResourceType.TOPIC, APP, PatternType.PREFIXED, AclOperation.ALL),
                    allow(ResourceType.GROUP, APP, PatternType.PREFIXED, AclOperation.ALL),
                    allow(ResourceType.TRANSACTIONAL_ID, APP, PatternType.PREFIXED, AclOperation.ALL))).all().get();
        }
        try (KafkaProducer<String, String> p = broker.producer(broker.saslPlain("admin"))) {
            for (int round = 0; round < 20; round++) {
                for (String line : WordCount.SENTENCES) {
                    p.send(new ProducerRecord<>("secure-lines", line));
                    WordCount.count(line, expected);
                }
            }
        }
        Map<String, Object> bob = broker.sasl("SASL_SSL", "PLAIN", SecureBroker.plainJaas("bob"));
        Properties props = WordCount.config(broker.bootstrap("SASL_SSL"), APP, stateDir, StreamsConfig.EXACTLY_ONCE_V2);
        props.putAll(bob);
        try (KafkaStreams streams = new KafkaStreams(WordCount.topology("secure-lines", "secure-counts"), props)) {
            streams.start();
            awaitCounts(expected, Map.of());
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
        }
        assertEquals(expected, WordCount.lastCounts(broker.saslPlain("admin"), "secure-counts", 2, true));
    }

    private static void awaitCounts(Map<String, Long> expected, Map<String, Long> seen) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!expected.equals(seen) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            seen = WordCount.lastCounts(broker.saslPlain("admin"), "secure-counts", 2, true);
        }
        assertEquals(expected, seen, "the committed counts of every word");
    }
}
