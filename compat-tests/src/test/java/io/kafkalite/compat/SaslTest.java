package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stock Java clients over SASL_PLAINTEXT and SASL_SSL with every mechanism Kafka users configure
 * (PLAIN from the JAAS config, SCRAM-SHA-256/512 created through the Admin API, unsecured OAUTHBEARER),
 * re-authentication (KIP-368), and the failures Kafka gives for a wrong password, an unknown user and a
 * mechanism the listener does not enable.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SaslTest {
    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withoutAuthorizer(Map.of(
            "listener.name.sasl_ssl.sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512",
            "connections.max.reauth.ms", "1500"));

    @BeforeAll
    static void setUp() throws Exception {
        try (Admin admin = broker.admin("admin")) {
            admin.createTopics(List.of(new NewTopic("sasl", 1, (short) 1))).all().get();
            // one change per user and request, as Kafka requires
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "carol-256")))
                    .all().get();
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "carol-512")))
                    .all().get();
            var described = admin.describeUserScramCredentials(List.of("carol")).all().get().get("carol").credentialInfos();
            assertEquals(2, described.size(), described.toString());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "SASL_PLAINTEXT, PLAIN, alice, alice-secret",
        "SASL_SSL, PLAIN, bob, bob-secret",
        "SASL_PLAINTEXT, SCRAM-SHA-256, carol, carol-256",
        "SASL_PLAINTEXT, SCRAM-SHA-512, carol, carol-512",
        "SASL_SSL, SCRAM-SHA-512, carol, carol-512",
        "SASL_PLAINTEXT, OAUTHBEARER, dave, unused",
    })
    void roundTrips(String listener, String mechanism, String user, String password) throws Exception {
        Map<String, Object> client = broker.sasl(listener, mechanism, jaas(mechanism, user, password));
        String value = listener + "-" + mechanism;
        try (KafkaProducer<String, String> producer = broker.producer(client)) {
            producer.send(new ProducerRecord<>("sasl", "k", value)).get();
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(client, null)) {
            consumer.assign(List.of(new TopicPartition("sasl", 0)));
            consumer.seekToBeginning(consumer.assignment());
            assertTrue(SecureBrokerRecords.values(consumer, value, Duration.ofSeconds(30)).contains(value));
        }
    }

    private static String jaas(String mechanism, String user, String password) {
        return switch (mechanism) {
            case "PLAIN" -> SecureBroker.plainJaas(user).replace(user + "-secret", password);
            case "OAUTHBEARER" -> "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\""
                    + user + "\";";
            default -> SecureBroker.scramJaas(user, password);
        };
    }

    @Test
    void aProducerKeepsWorkingAcrossReauthentications() throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(broker.saslPlain("alice"))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // connections.max.reauth.ms=1500: at least two sessions
            int sent = 0;
            while (System.nanoTime() < deadline) {
                producer.send(new ProducerRecord<>("sasl", "k", "reauth-" + sent++)).get();
                Thread.sleep(100);
            }
            assertTrue(sent > 20);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "SASL_PLAINTEXT, PLAIN, alice, wrong",
        "SASL_PLAINTEXT, PLAIN, nobody, nothing",
        "SASL_PLAINTEXT, SCRAM-SHA-256, carol, wrong",
        "SASL_SSL, SCRAM-SHA-512, nobody, nothing",
    })
    void badCredentialsFailAuthentication(String listener, String mechanism, String user, String password) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> describe(broker.sasl(listener, mechanism, jaas(mechanism, user, password))));
        assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
    }

    @Test
    void aMechanismTheListenerDoesNotEnableIsRefused() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> describe(broker.sasl("SASL_SSL", "SCRAM-SHA-256", SecureBroker.scramJaas("carol", "carol-256"))));
        assertInstanceOf(UnsupportedSaslMechanismException.class, e.getCause(), e.toString());
    }

    @Test
    void aDeletedScramCredentialNoLongerAuthenticates() throws Exception {
        try (Admin admin = broker.admin("admin")) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("erin", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "erin-pw")))
                    .all().get();
            describe(broker.sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", SecureBroker.scramJaas("erin", "erin-pw")));
            admin.alterUserScramCredentials(List.of(
                    new org.apache.kafka.clients.admin.UserScramCredentialDeletion("erin", ScramMechanism.SCRAM_SHA_256))).all().get();
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> describe(broker.sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", SecureBroker.scramJaas("erin", "erin-pw"))));
        assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
    }

    private static void describe(Map<String, Object> client) throws Exception {
        Map<String, Object> c = new HashMap<>(client);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(c)) {
            admin.describeCluster().clusterId().get();
        }
    }
}
