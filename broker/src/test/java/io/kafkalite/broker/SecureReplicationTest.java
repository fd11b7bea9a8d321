package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.acl.TestCertificates;
import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replication between three in-JVM brokers (a {@link LocalQuorum}, {@link LocalCluster}) whose inter-broker listener is SSL, SASL_SSL
 * (SCRAM) or SASL_PLAINTEXT (PLAIN), with an authorizer that lets only {@code super.users} (the brokers' principal) replicate: acks=all
 * produces reach every follower, the followers hold the records once the leader is gone, and a broker logging in
 * with a wrong password replicates nothing but keeps running.
 */
@Timeout(60)
class SecureReplicationTest {
    private static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule";
    private static final String ADMIN_PASSWORD = "admin-secret";
    private static final TopicPartition TP = new TopicPartition("secure", 0);

    private final LocalCluster cluster = LocalCluster.of(3, Map.of("authorizer.class.name", AUTHORIZER, "replica.fetch.wait.max.ms", "100",
            "replica.fetch.backoff.ms", "200", "replica.lag.time.max.ms", "1000"));
    private Map<String, Object> client;

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    @Test
    void replicatesOverMutualTls() throws Exception {
        Map<String, String> tls = tls();
        Map<String, String> broker = new HashMap<>(tls);
        broker.putAll(Map.of("listeners", "SSL://localhost:0", "security.inter.broker.protocol", "SSL",
                "ssl.client.auth", "required", "super.users", "User:" + TestCertificates.BROKER_DN));
        client = new HashMap<>(tls);
        client.put("security.protocol", "SSL"); // the brokers' own certificate: a super user
        startCluster(id -> broker);
        replicateAndSurviveTheLeader();
    }

    @Test
    void replicatesWithScramLoginsOverTls() throws Exception {
        Map<String, String> broker = new HashMap<>(sasl("SASL_SSL", "SCRAM-SHA-256", ADMIN_PASSWORD));
        broker.putAll(tls());
        client.putAll(tls());
        startCluster(id -> broker);
        try (Admin admin = Admin.create(client)) { // created before any partition: the fetchers' first login succeeds
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("admin",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), ADMIN_PASSWORD))).all().get(30, TimeUnit.SECONDS);
        }
        replicateAndSurviveTheLeader();
    }

    @Test
    void aWrongInterBrokerPasswordReplicatesNothingButTheBrokerRuns() throws Exception {
        startCluster(id -> sasl("SASL_PLAINTEXT", "PLAIN", id == 3 ? "wrong" : ADMIN_PASSWORD));
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(TP.topic(), Map.of(0, List.of(1, 2, 3))))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> producer = producer()) {
                NumberedRecords.send(producer, TP.topic(), 0, 50); // acks=all: the leader drops 3 from the ISR after replica.lag.time.max.ms
            }
            assertEquals(List.of(1, 2), state().isr());
            LocalCluster.await(() -> logSize(admin, 2) > 0, "broker 2 replicates");
            Thread.sleep(500); // broker 3 keeps trying, and failing
            assertEquals(0, logSize(admin, 3), "broker 3 fetched nothing");
            assertEquals(3, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
        }
        client.put("bootstrap.servers", cluster.broker(3).bootstrapServers());
        try (Admin onlyThree = Admin.create(client)) {
            assertEquals(3, onlyThree.describeCluster().nodes().get(30, TimeUnit.SECONDS).size(), "broker 3 still serves");
        }
    }

    /** SASL (SASL_PLAINTEXT or SASL_SSL) between brokers and for clients, as admin, the only super user. */
    private Map<String, String> sasl(String protocol, String interBrokerMechanism, String brokerPassword) {
        String login = " required username=\"admin\" password=\"" + brokerPassword + "\"";
        String prefix = "listener.name." + protocol.toLowerCase(Locale.ROOT) + ".";
        client = new HashMap<>(Map.of("security.protocol", protocol, "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", PLAIN + " required username=\"admin\" password=\"" + ADMIN_PASSWORD + "\";"));
        return Map.of("listeners", protocol + "://localhost:0",
                "security.inter.broker.protocol", protocol, "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256",
                "sasl.mechanism.inter.broker.protocol", interBrokerMechanism,
                prefix + "plain.sasl.jaas.config", PLAIN + login + " user_admin=\"" + ADMIN_PASSWORD + "\";",
                prefix + "scram-sha-256.sasl.jaas.config", SCRAM + login + ";",
                "super.users", "User:admin");
    }

    /** The brokers' key (a certificate for localhost) and the trust store that verifies it. */
    private static Map<String, String> tls() {
        TestCertificates certs = TestCertificates.get();
        return Map.of("ssl.keystore.location", certs.brokerKeystore("PKCS12").toString(),
                "ssl.keystore.password", TestCertificates.PASSWORD, "ssl.key.password", TestCertificates.PASSWORD,
                "ssl.truststore.location", certs.truststore("PKCS12").toString(), "ssl.truststore.password", TestCertificates.PASSWORD);
    }

    private void startCluster(IntFunction<Map<String, String>> security) throws Exception {
        for (int id = 1; id <= 3; id++) {
            Map<String, String> settings = new HashMap<>(security.apply(id));
            settings.put("listeners", settings.get("listeners") + "," + LocalCluster.controllerListener(id));
            cluster.put(id, cluster.builder(id, 0).configs(settings).start());
        }
        client.put("bootstrap.servers", cluster.bootstrap());
        cluster.awaitUnfenced(3);
    }

    /** acks=all to three replicas; each follower holds the records; with the leader gone a follower serves them all. */
    private void replicateAndSurviveTheLeader() throws Exception {
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(TP.topic(), Map.of(0, List.of(1, 2, 3)))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> producer = producer()) {
                NumberedRecords.send(producer, TP.topic(), 0, 100);
            }
            assertEquals(List.of(1, 2, 3), state().isr(), "every follower kept up");
            assertEquals(100, admin.listOffsets(Map.of(TP, OffsetSpec.latest())).partitionResult(TP).get(30, TimeUnit.SECONDS).offset(),
                    "the high watermark moved");
            long leaderSize = logSize(admin, 1);
            LocalCluster.await(() -> logSize(admin, 2) == leaderSize && logSize(admin, 3) == leaderSize, "the followers' logs match the leader's");
        }
        cluster.stop(1); // the leader, 1
        cluster.quorum(1).submit(new MetadataRecord.FenceBroker(1)).get(5, TimeUnit.SECONDS);
        assertTrue(state().leader() == 2 || state().leader() == 3, "a follower leads: " + state());
        client.put("bootstrap.servers", cluster.broker(2).bootstrapServers());
        List<ConsumerRecord<String, String>> read = readAll(100);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, read.get(i).offset());
            assertEquals("v" + i, read.get(i).value());
        }
    }

    private KafkaProducer<String, String> producer() {
        Map<String, Object> props = new HashMap<>(client);
        props.putAll(Map.of("acks", "all", "key.serializer", StringSerializer.class.getName(),
                "value.serializer", StringSerializer.class.getName(), "delivery.timeout.ms", "30000", "request.timeout.ms", "10000"));
        return new KafkaProducer<>(props);
    }

    private List<ConsumerRecord<String, String>> readAll(int expected) {
        Map<String, Object> props = new HashMap<>(client);
        props.putAll(Map.of("key.deserializer", StringDeserializer.class.getName(),
                "value.deserializer", StringDeserializer.class.getName(), "auto.offset.reset", "earliest"));
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(TP));
            long deadline = System.currentTimeMillis() + 20_000;
            while (all.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        assertEquals(expected, all.size());
        return all;
    }

    private PartitionState state() {
        return cluster.image().partition(TP.topic(), TP.partition());
    }

    /** The bytes of the partition's log on broker {@code node} (DescribeLogDirs), -1 if it cannot be read. */
    private static long logSize(Admin admin, int node) {
        try {
            return admin.describeLogDirs(List.of(node)).allDescriptions().get(10, TimeUnit.SECONDS).get(node).values().stream()
                    .map(dir -> dir.replicaInfos().get(TP)).filter(Objects::nonNull).mapToLong(r -> r.size()).sum();
        } catch (Exception e) {
            return -1;
        }
    }
}
