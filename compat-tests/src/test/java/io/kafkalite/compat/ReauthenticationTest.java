package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * KIP-368 re-authentication with {@code connections.max.reauth.ms=1000}: stock clients re-authenticate and
 * keep working; on a raw connection the session lifetime is announced, a request after it closes the
 * connection unanswered (as Kafka), and re-authenticating before it extends the session, but only as the
 * same principal.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // socket reads ignore interrupts
class ReauthenticationTest {
    private static final long REAUTH_MS = 2_000; // its sleeps leave 800 ms margins either side of a session end

    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withoutAuthorizer(Map.of("connections.max.reauth.ms", String.valueOf(REAUTH_MS)));

    @BeforeAll
    static void setUp() throws Exception {
        try (Admin admin = broker.admin("admin")) {
            admin.createTopics(List.of(new NewTopic("reauth", 1, (short) 1))).all().get();
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("carol",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "carol-pw"))).all().get();
        }
    }

    @Test
    void stockClientsKeepProducingAndConsumingAcrossSessions() throws Exception {
        // given: a PLAIN producer and a SCRAM consumer in a group, whose sessions last 1 s
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        List<String> received = new ArrayList<>();
        try (KafkaProducer<String, String> producer = broker.producer(broker.saslPlain("alice"));
             KafkaConsumer<String, String> consumer = broker.consumer(
                     broker.sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", SecureBroker.scramJaas("carol", "carol-pw")), "reauth-group")) {
            consumer.subscribe(List.of("reauth"));
            // when: both work for more than five session lifetimes
            long start = System.nanoTime();
            long lastCommit = start;
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(6 * REAUTH_MS)) {
                String value = "v" + sent.size();
                acks.add(producer.send(new ProducerRecord<>("reauth", "k", value)));
                sent.add(value);
                poll(consumer, received);
                if (System.nanoTime() - lastCommit > TimeUnit.MILLISECONDS.toNanos(REAUTH_MS / 2)) {
                    consumer.commitSync();
                    lastCommit = System.nanoTime();
                }
            }
            producer.flush();
            // then: every record acknowledged, and consumed once, in order
            for (Future<RecordMetadata> ack : acks) {
                ack.get(30, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received.size() < sent.size() && System.nanoTime() < deadline) {
                poll(consumer, received);
            }
            consumer.commitSync();
        }
        assertTrue(sent.size() > 20, "sent " + sent.size());
        assertEquals(sent, received);
    }

    private static void poll(KafkaConsumer<String, String> consumer, List<String> received) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(50))) {
            received.add(r.value());
        }
    }

    @Test
    void aRequestAfterTheSessionExpiredClosesTheConnectionUnanswered() throws Exception {
        try (RawClient raw = new RawClient(broker.port("SASL_PLAINTEXT"))) {
            // given
            SaslAuthenticateResponse authenticated = authenticatePlain(raw, "alice", "alice-secret");
            assertEquals(Errors.NONE, authenticated.error());
            long lifetime = authenticated.data().sessionLifetimeMs();
            assertTrue(lifetime > 0 && lifetime <= REAUTH_MS, "sessionLifetimeMs " + lifetime);
            assertFalse(metadata(raw).brokers().isEmpty(), "served within the session");
            // when
            Thread.sleep(lifetime + 300);
            raw.send(MetadataRequest.Builder.allTopics().build((short) 12));
            // then
            assertTrue(raw.closedByBroker(), "closed without an answer, as Kafka closes an expired session");
        }
    }

    @Test
    void reauthenticatingBeforeExpiryExtendsTheSessionForTheSamePrincipalOnly() throws Exception {
        try (RawClient raw = new RawClient(broker.port("SASL_PLAINTEXT"))) {
            // given
            assertEquals(Errors.NONE, authenticatePlain(raw, "alice", "alice-secret").error());
            Thread.sleep(REAUTH_MS * 6 / 10);
            // when: the same user again, before expiry
            SaslAuthenticateResponse again = authenticatePlain(raw, "alice", "alice-secret");
            // then: a new session, which outlives the first
            assertEquals(Errors.NONE, again.error());
            assertTrue(again.data().sessionLifetimeMs() > 0 && again.data().sessionLifetimeMs() <= REAUTH_MS,
                    "sessionLifetimeMs " + again.data().sessionLifetimeMs());
            Thread.sleep(REAUTH_MS * 6 / 10); // past the first session's end, within the second's
            assertFalse(metadata(raw).brokers().isEmpty());

            // when: another user, before expiry
            SaslAuthenticateResponse other = authenticatePlain(raw, "bob", "bob-secret");
            // then
            assertEquals(Errors.SASL_AUTHENTICATION_FAILED, other.error());
            assertEquals("Cannot change principals during re-authentication from User.alice: User.bob", other.data().errorMessage());
            assertTrue(raw.closedByBroker(), "a failed re-authentication closes the connection");
        }
    }

    private static MetadataResponse metadata(RawClient raw) throws IOException {
        return raw.call(MetadataRequest.Builder.allTopics().build((short) 12));
    }

    /** SaslHandshake v1 (PLAIN) and SaslAuthenticate v2 with the token {@code \0user\0password}, as a Kafka client sends them. */
    static SaslAuthenticateResponse authenticatePlain(RawClient raw, String user, String password) throws IOException {
        SaslHandshakeResponse handshake = raw.call(new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism("PLAIN"))
                .build((short) 1));
        assertEquals(Errors.NONE, handshake.error());
        byte[] token = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        return raw.call(new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData().setAuthBytes(token)).build((short) 2));
    }
}
