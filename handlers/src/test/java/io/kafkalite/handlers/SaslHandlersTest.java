package io.kafkalite.handlers;

import static io.kafkalite.handlers.SaslFixture.closes;
import static io.kafkalite.handlers.SaslFixture.newConnection;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.acl.SaslClients;
import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.wire.Connection;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.Test;

class SaslHandlersTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    private final SaslFixture sasl = new SaslFixture(Map.of("connections.max.reauth.ms", "60000"));

    private void addScramUser(String user, String password) throws Exception {
        for (ScramMechanism m : ScramMechanism.values()) {
            ScramFormatter formatter = new ScramFormatter(m);
            byte[] salt = formatter.secureRandomBytes();
            sasl.scram.alter(List.of(new ScramCredentialStore.Change(user, m,
                    ScramCredentialStore.fromSaltedPassword(m, salt, formatter.saltedPassword(password, salt, 4096), 4096)))).get();
        }
    }

    @Test
    void plainSuccessAuthenticatesTheConnectionWithASessionLifetime() throws Exception {
        // given
        Connection connection = newConnection();
        // when
        SaslHandshakeResponse shake = sasl.handshake(newConnection(), "PLAIN");
        SaslAuthenticateResponse response = sasl.login(connection, SaslClients.plain("alice", "alice-secret"));
        // then
        assertEquals(Errors.NONE, shake.error());
        assertEquals(List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"), shake.data().mechanisms());
        assertEquals(Errors.NONE, response.error());
        assertEquals(60_000, response.sessionLifetimeMs());
        assertTrue(connection.isAuthenticated());
        assertEquals(ALICE, connection.principal());
        assertFalse(closes(connection));
    }

    @Test
    void wrongPasswordAndUnknownUserFailWithKafkasMessageAndClose() throws Exception {
        for (String[] credentials : new String[][] {{"alice", "wrong"}, {"mallory", "alice-secret"}}) {
            Connection connection = newConnection();
            SaslAuthenticateResponse response = sasl.login(connection, SaslClients.plain(credentials[0], credentials[1]));
            assertEquals(Errors.SASL_AUTHENTICATION_FAILED, response.error());
            assertEquals("Authentication failed: Invalid username or password", response.errorMessage());
            assertFalse(connection.isAuthenticated());
            assertTrue(closes(connection));
        }
    }

    @Test
    void aMechanismTheListenerDoesNotEnableIsRefusedWithTheEnabledList() throws Exception {
        SaslFixture plainOnly = new SaslFixture(Map.of("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN"));
        Connection connection = newConnection();
        SaslHandshakeResponse response = plainOnly.handshake(connection, "SCRAM-SHA-256");
        assertEquals(Errors.UNSUPPORTED_SASL_MECHANISM, response.error());
        assertEquals(List.of("PLAIN"), response.data().mechanisms());
        assertTrue(closes(connection));
    }

    @Test
    void handshakeOnAListenerWithoutSaslIsAnIllegalState() throws Exception {
        Connection plaintext = new Connection(ListenerName.normalised("PLAINTEXT"), SecurityProtocol.PLAINTEXT,
                new InetSocketAddress("127.0.0.1", 50000));
        assertEquals(Errors.ILLEGAL_SASL_STATE, sasl.handshake(plaintext, "PLAIN").error());
        assertEquals(Errors.ILLEGAL_SASL_STATE, sasl.authenticate(plaintext, new byte[] {0}).error());
        assertFalse(closes(plaintext));
    }

    @Test
    void authenticateWithoutHandshakeOrASecondHandshakeCloses() throws Exception {
        Connection noHandshake = newConnection();
        assertEquals(Errors.ILLEGAL_SASL_STATE, sasl.authenticate(noHandshake, "\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8)).error());
        assertTrue(closes(noHandshake));
        assertFalse(noHandshake.isAuthenticated());

        Connection twice = newConnection();
        assertEquals(Errors.NONE, sasl.handshake(twice, "PLAIN").error());
        assertEquals(Errors.ILLEGAL_SASL_STATE, sasl.handshake(twice, "PLAIN").error());
        assertTrue(closes(twice));
    }

    @Test
    void scramAuthenticatesWithTheStoredCredentials() throws Exception {
        addScramUser("bob", "bob-secret");
        for (ScramMechanism m : ScramMechanism.values()) {
            Connection ok = newConnection();
            SaslAuthenticateResponse response = sasl.login(ok, SaslClients.scram(m, "bob", "bob-secret"));
            assertEquals(Errors.NONE, response.error());
            assertEquals(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "bob"), ok.principal());

            for (String[] credentials : new String[][] {{"bob", "wrong"}, {"nobody", "bob-secret"}}) {
                Connection bad = newConnection();
                SaslAuthenticateResponse failed = sasl.login(bad, SaslClients.scram(m, credentials[0], credentials[1]));
                assertEquals(Errors.SASL_AUTHENTICATION_FAILED, failed.error());
                assertEquals("Authentication failed during authentication due to invalid credentials with SASL mechanism " + m.mechanismName(),
                        failed.errorMessage());
                assertTrue(closes(bad));
                assertFalse(bad.isAuthenticated());
            }
        }
    }

    @Test
    void oauthBearerSessionEndsNoLaterThanTheToken() throws Exception {
        // given: a token of 30 s, connections.max.reauth.ms of 60 s
        Connection connection = newConnection();
        // when
        SaslAuthenticateResponse response = sasl.login(connection, SaslClients.oauthBearer(SaslClients.unsecuredToken("carol", 30)));
        // then
        assertEquals(Errors.NONE, response.error());
        assertEquals(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "carol"), connection.principal());
        assertTrue(response.sessionLifetimeMs() > 25_000 && response.sessionLifetimeMs() <= 30_000, "" + response.sessionLifetimeMs());
    }

    @Test
    void anInvalidOAuthBearerTokenGetsAnErrorChallengeThenFails() throws Exception {
        Connection connection = newConnection();
        sasl.handshake(connection, "OAUTHBEARER");
        byte[] initial = SaslClients.oauthBearer(SaslClients.unsecuredToken("carol", 30)).evaluateChallenge(new byte[0]);
        byte[] tampered = new String(initial, StandardCharsets.UTF_8).replace("auth=Bearer ", "auth=Bearer x").getBytes(StandardCharsets.UTF_8);
        SaslAuthenticateResponse challenge = sasl.authenticate(connection, tampered);
        assertEquals(Errors.NONE, challenge.error());
        assertTrue(new String(challenge.data().authBytes(), StandardCharsets.UTF_8).contains("invalid_token"));
        SaslAuthenticateResponse failed = sasl.authenticate(connection, new byte[] {1});
        assertEquals(Errors.SASL_AUTHENTICATION_FAILED, failed.error());
        assertTrue(closes(connection));
        assertFalse(connection.isAuthenticated());
    }

    @Test
    void garbageNeverAuthenticatesAndAlwaysCloses() throws Exception {
        addScramUser("bob", "bob-secret");
        Random random = new Random(42);
        for (String mechanism : sasl.mechanisms.enabled()) {
            for (int i = 0; i < 200; i++) {
                // given: random bytes as the first token, or after a valid SCRAM client-first message
                Connection connection = newConnection();
                assertEquals(Errors.NONE, sasl.handshake(connection, mechanism).error());
                if (mechanism.startsWith("SCRAM") && i % 2 == 0) {
                    byte[] first = SaslClients.scram(ScramMechanism.forMechanismName(mechanism), "bob", "bob-secret").evaluateChallenge(new byte[0]);
                    assertEquals(Errors.NONE, sasl.authenticate(connection, first).error());
                }
                byte[] garbage = new byte[random.nextInt(i % 10 == 0 ? 2000 : 64)];
                random.nextBytes(garbage);
                // when
                SaslAuthenticateResponse response = sasl.authenticate(connection, garbage);
                if (mechanism.equals("OAUTHBEARER") && response.error() == Errors.NONE) {
                    response = sasl.authenticate(connection, new byte[] {1}); // an error challenge first, as Kafka's
                }
                // then
                assertEquals(Errors.SASL_AUTHENTICATION_FAILED, response.error(), mechanism + " token " + i);
                assertTrue(closes(connection));
                assertFalse(connection.isAuthenticated());
            }
        }
        for (int i = 0; i < 100; i++) {
            byte[] name = new byte[random.nextInt(30)];
            random.nextBytes(name);
            Connection connection = newConnection();
            assertEquals(Errors.UNSUPPORTED_SASL_MECHANISM, sasl.handshake(connection, new String(name, StandardCharsets.UTF_8)).error());
            assertTrue(closes(connection));
        }
    }

    @Test
    void reauthenticationKeepsThePrincipal() throws Exception {
        // given: alice authenticated with SaslAuthenticate v2 (so her client knows KIP-368)
        Connection connection = newConnection();
        assertEquals(Errors.NONE, sasl.login(connection, SaslClients.plain("alice", "alice-secret")).error());
        // when: she re-authenticates as herself
        SaslAuthenticateResponse again = sasl.login(connection, SaslClients.plain("alice", "alice-secret"));
        // then
        assertEquals(Errors.NONE, again.error());
        assertEquals(60_000, again.sessionLifetimeMs());
        assertEquals(ALICE, connection.principal());
        assertFalse(closes(connection));
        // and a SaslAuthenticate after completion is an illegal state, as in Kafka
        SaslAuthenticateResponse late = sasl.authenticate(connection, new byte[0]);
        assertEquals(Errors.ILLEGAL_SASL_STATE, late.error());
        assertEquals("SaslAuthenticate request received after successful authentication", late.errorMessage());
        assertFalse(closes(connection));
    }

    @Test
    void reauthenticationAsAnotherPrincipalIsRefusedAndCloses() throws Exception {
        Connection connection = newConnection();
        sasl.login(connection, SaslClients.plain("alice", "alice-secret"));
        SaslAuthenticateResponse response = sasl.login(connection, SaslClients.plain("bob", "bob-secret"));
        assertEquals(Errors.SASL_AUTHENTICATION_FAILED, response.error());
        assertEquals("Cannot change principals during re-authentication from User.alice: User.bob", response.errorMessage());
        assertEquals(ALICE, connection.principal());
        assertTrue(closes(connection));
    }

    @Test
    void reauthenticationWithAnotherMechanismIsRefusedAndCloses() throws Exception {
        addScramUser("alice", "alice-secret");
        Connection connection = newConnection();
        sasl.login(connection, SaslClients.plain("alice", "alice-secret"));
        assertEquals(Errors.NONE, sasl.handshake(connection, "SCRAM-SHA-256").error()); // Kafka answers it, then fails the exchange
        SaslAuthenticateResponse response = sasl.authenticate(connection, SaslClients.scram(ScramMechanism.SCRAM_SHA_256, "alice", "alice-secret")
                .evaluateChallenge(new byte[0]));
        assertEquals(Errors.SASL_AUTHENTICATION_FAILED, response.error());
        assertEquals("SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'PLAIN'",
                response.errorMessage());
        assertTrue(closes(connection));
    }

    @Test
    void aClientThatAuthenticatedWithV0CannotReauthenticate() throws Exception {
        Connection connection = newConnection();
        SaslAuthenticateResponse v0 = sasl.login(connection, SaslClients.plain("alice", "alice-secret"), (short) 0);
        assertEquals(Errors.NONE, v0.error());
        assertEquals(0, v0.sessionLifetimeMs()); // v0 cannot carry it
        assertEquals(Errors.ILLEGAL_SASL_STATE, sasl.handshake(connection, "PLAIN").error());
        assertFalse(closes(connection));
        assertEquals(ALICE, connection.principal());
    }
}
