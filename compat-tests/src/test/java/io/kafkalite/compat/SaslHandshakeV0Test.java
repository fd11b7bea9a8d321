package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SaslHandshake v0, as clients before Kafka 1.0 and older Sarama versions (whose default it was) speak it:
 * the SASL tokens follow as bare size-prefixed frames, without Kafka headers, and so do the broker's
 * answers; a failure closes the connection without an answer. Kafka 4.4 still serves this.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SaslHandshakeV0Test {
    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withoutAuthorizer(Map.of());

    private static void handshakeV0(RawClient raw) throws Exception {
        SaslHandshakeResponse handshake = raw.call(new SaslHandshakeRequest.Builder(new SaslHandshakeRequestData().setMechanism("PLAIN"))
                .build((short) 0));
        assertEquals(Errors.NONE, handshake.error());
    }

    private static void sendToken(RawClient raw, String user, String password) throws Exception {
        byte[] token = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        raw.sendRaw(ByteBuffer.allocate(4 + token.length).putInt(token.length).put(token).array());
    }

    @Test
    void bareTokensAuthenticateAndRequestsFollow() throws Exception {
        try (RawClient raw = new RawClient(broker.port("SASL_PLAINTEXT"))) {
            handshakeV0(raw);
            sendToken(raw, "alice", "alice-secret");
            assertEquals(0, raw.readFrame().length, "PLAIN's empty challenge, as a bare frame");
            MetadataResponse metadata = raw.call(MetadataRequest.Builder.allTopics().build((short) 12));
            assertEquals(1, metadata.brokers().size(), "authenticated: requests are served");
        }
    }

    @Test
    void aWrongPasswordClosesTheConnection() throws Exception {
        try (RawClient raw = new RawClient(broker.port("SASL_PLAINTEXT"))) {
            handshakeV0(raw);
            sendToken(raw, "alice", "wrong");
            assertTrue(raw.closedByBroker(), "closed without an answer");
        }
    }
}
