package io.kafkalite.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.LogStore;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;

class SaslMechanismsTest {
    static final ListenerName LISTENER = ListenerName.normalised("SASL_PLAINTEXT");
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    private final ScramCredentialStore scram = new ScramCredentialStore(LogStore.inMemory(Map.of()).durableMap("scram"));
    private final FixedTime time = new FixedTime();

    /** A broker's properties for the SASL_PLAINTEXT listener with every mechanism we serve. */
    static Map<String, String> props() {
        Map<String, String> props = new HashMap<>();
        props.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER");
        props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";");
        props.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"admin\";");
        return props;
    }

    private SaslMechanisms mechanisms(Map<String, String> props) {
        return new SaslMechanisms(props, LISTENER, new DefaultKafkaPrincipalBuilder(null, null), scram, time);
    }

    private static KafkaPrincipal user(String name) {
        return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, name);
    }

    @Test
    void gssapiKafkasDefaultIsRefusedWithAClearMessage() {
        Map<String, String> props = props();
        props.remove("listener.name.sasl_plaintext.sasl.enabled.mechanisms");
        ConfigException e = assertThrows(ConfigException.class, () -> mechanisms(props));
        assertTrue(e.getMessage().contains("GSSAPI"), e.getMessage());
        assertTrue(e.getMessage().contains("listener.name.sasl_plaintext.sasl.enabled.mechanisms"), e.getMessage());
    }

    @Test
    void unknownMechanismsAndMissingJaasAreRefused() {
        Map<String, String> unknown = props();
        unknown.put("sasl.enabled.mechanisms", "DIGEST-MD5");
        unknown.remove("listener.name.sasl_plaintext.sasl.enabled.mechanisms");
        assertTrue(assertThrows(ConfigException.class, () -> mechanisms(unknown)).getMessage().contains("DIGEST-MD5"));

        Map<String, String> noJaas = props();
        noJaas.remove("listener.name.sasl_plaintext.plain.sasl.jaas.config");
        ConfigException e = assertThrows(ConfigException.class, () -> mechanisms(noJaas));
        assertTrue(e.getMessage().contains("listener.name.sasl_plaintext.plain.sasl.jaas.config"), e.getMessage());
    }

    @Test
    void plainChecksTheJaasUsers() throws Exception {
        SaslMechanisms m = mechanisms(props());
        assertEquals(List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"), m.enabled());
        // success
        SaslServer server = m.newServer("PLAIN");
        SaslClients.exchange(SaslClients.plain("alice", "alice-secret"), SaslClients.SaslServerLike.of(server));
        SaslMechanisms.Authenticated done = m.authenticated(server, SecurityProtocol.SASL_PLAINTEXT, CLIENT, null);
        assertEquals(user("alice"), done.principal());
        assertEquals(0, done.sessionLifetimeMs());
        assertEquals(0, done.sessionExpiryNanos());
        // wrong password, unknown user: Kafka's message
        for (Supplier<String[]> creds : List.<Supplier<String[]>>of(() -> new String[] {"alice", "wrong"}, () -> new String[] {"mallory", "x"})) {
            SaslServer failing = m.newServer("PLAIN");
            SaslAuthenticationException e = assertThrows(SaslAuthenticationException.class, () -> SaslClients.exchange(
                    SaslClients.plain(creds.get()[0], creds.get()[1]), SaslClients.SaslServerLike.of(failing)));
            assertEquals("Authentication failed: Invalid username or password", e.getMessage());
        }
    }

    @Test
    void aConfiguredPlainCallbackHandlerReplacesTheJaasUsers() throws Exception {
        Map<String, String> props = props();
        props.put("listener.name.sasl_plaintext.plain.sasl.server.callback.handler.class", TestPlainCallbackHandler.class.getName());
        props.put("listener.name.sasl_plaintext.test.plain.password", "from-the-listener");
        SaslMechanisms m = mechanisms(props);
        SaslServer server = m.newServer("PLAIN");
        SaslClients.exchange(SaslClients.plain("anyone", "from-the-listener"), SaslClients.SaslServerLike.of(server));
        assertEquals(user("anyone"), m.authenticated(server, SecurityProtocol.SASL_PLAINTEXT, CLIENT, null).principal());
        assertThrows(SaslAuthenticationException.class, () -> SaslClients.exchange(SaslClients.plain("alice", "alice-secret"),
                SaslClients.SaslServerLike.of(m.newServer("PLAIN"))));

        props.put("listener.name.sasl_plaintext.plain.sasl.server.callback.handler.class", "no.such.Handler");
        assertTrue(assertThrows(ConfigException.class, () -> mechanisms(props)).getMessage().contains("no.such.Handler"));
    }

    @Test
    void scramReadsTheCredentialStore() throws Exception {
        SaslMechanisms m = mechanisms(props());
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            scram.alter(List.of(new ScramCredentialStore.Change("bob", mechanism,
                    ScramCredentialStoreTest.credential(mechanism, "bob-secret", 4096)))).get();
            SaslServer server = m.newServer(mechanism.mechanismName());
            SaslClients.exchange(SaslClients.scram(mechanism, "bob", "bob-secret"), SaslClients.SaslServerLike.of(server));
            assertEquals(user("bob"), m.authenticated(server, SecurityProtocol.SASL_PLAINTEXT, CLIENT, null).principal());

            assertThrows(SaslException.class, () -> SaslClients.exchange(SaslClients.scram(mechanism, "bob", "wrong"),
                    SaslClients.SaslServerLike.of(m.newServer(mechanism.mechanismName()))));
            assertThrows(SaslException.class, () -> SaslClients.exchange(SaslClients.scram(mechanism, "nobody", "bob-secret"),
                    SaslClients.SaslServerLike.of(m.newServer(mechanism.mechanismName()))));
            // a deleted credential no longer authenticates
            scram.alter(List.of(ScramCredentialStore.Change.delete("bob", mechanism))).get();
            assertThrows(SaslException.class, () -> SaslClients.exchange(SaslClients.scram(mechanism, "bob", "bob-secret"),
                    SaslClients.SaslServerLike.of(m.newServer(mechanism.mechanismName()))));
        }
    }

    @Test
    void oauthBearerValidatesUnsecuredTokensAndTheSessionEndsWithTheToken() throws Exception {
        // given: tokens of one hour, a re-authentication every ten minutes
        Map<String, String> props = props();
        props.put("connections.max.reauth.ms", "600000");
        SaslMechanisms m = mechanisms(props);
        OAuthBearerToken token = SaslClients.unsecuredToken("carol", 3600);
        time.ms = token.lifetimeMs() - 3_600_000;
        // when
        SaslServer server = m.newServer("OAUTHBEARER");
        SaslClients.exchange(SaslClients.oauthBearer(token), SaslClients.SaslServerLike.of(server));
        SaslMechanisms.Authenticated done = m.authenticated(server, SecurityProtocol.SASL_PLAINTEXT, CLIENT, null);
        // then
        assertEquals(user("carol"), done.principal());
        assertEquals(600_000, done.sessionLifetimeMs());
        assertEquals(time.nanos + 600_000_000_000L, done.sessionExpiryNanos());
        // and when the token expires sooner than connections.max.reauth.ms
        time.ms = token.lifetimeMs() - 60_000;
        assertEquals(60_000, m.authenticated(server, SecurityProtocol.SASL_PLAINTEXT, CLIENT, null).sessionLifetimeMs());
    }

    @Test
    void oauthBearerRefusesABadTokenWithAnErrorChallenge() throws Exception {
        SaslMechanisms m = mechanisms(props());
        SaslServer server = m.newServer("OAUTHBEARER");
        byte[] initial = SaslClients.oauthBearer(SaslClients.unsecuredToken("carol", 3600)).evaluateChallenge(new byte[0]);
        String tampered = new String(initial, StandardCharsets.UTF_8).replace("auth=Bearer ", "auth=Bearer x");
        byte[] challenge = server.evaluateResponse(tampered.getBytes(StandardCharsets.UTF_8));
        assertFalse(server.isComplete());
        assertTrue(new String(challenge, StandardCharsets.UTF_8).contains("invalid_token"));
        assertThrows(SaslAuthenticationException.class, () -> server.evaluateResponse(new byte[] {1}));
    }

    @Test
    void connectionsMaxReauthMsPerListenerAndPerMechanism() throws Exception {
        Map<String, String> props = props();
        props.put("connections.max.reauth.ms", "1000");
        props.put("listener.name.sasl_plaintext.connections.max.reauth.ms", "2000");
        props.put("listener.name.sasl_plaintext.scram-sha-256.connections.max.reauth.ms", "3000");
        SaslMechanisms m = mechanisms(props);
        SaslServer plain = m.newServer("PLAIN");
        SaslClients.exchange(SaslClients.plain("alice", "alice-secret"), SaslClients.SaslServerLike.of(plain));
        assertEquals(2000, m.authenticated(plain, SecurityProtocol.SASL_PLAINTEXT, CLIENT, null).sessionLifetimeMs());

        scram.alter(List.of(new ScramCredentialStore.Change("bob", ScramMechanism.SCRAM_SHA_256,
                ScramCredentialStoreTest.credential(ScramMechanism.SCRAM_SHA_256, "bob-secret", 4096)))).get();
        SaslServer server = m.newServer("SCRAM-SHA-256");
        SaslClients.exchange(SaslClients.scram(ScramMechanism.SCRAM_SHA_256, "bob", "bob-secret"), SaslClients.SaslServerLike.of(server));
        assertEquals(3000, m.authenticated(server, SecurityProtocol.SASL_PLAINTEXT, CLIENT, null).sessionLifetimeMs());
    }

    @Test
    void onlyEnabledMechanismsGetAServer() {
        Map<String, String> props = props();
        props.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "SCRAM-SHA-512");
        SaslMechanisms m = mechanisms(props);
        assertEquals(List.of("SCRAM-SHA-512"), m.enabled());
        assertFalse(m.isEnabled("PLAIN"));
        assertThrows(IllegalArgumentException.class, () -> m.newServer("PLAIN"));
    }

    static final class FixedTime implements Time {
        long ms = 1_000_000;
        long nanos = 5_000_000_000L;

        @Override
        public long milliseconds() {
            return ms;
        }

        @Override
        public long nanoseconds() {
            return nanos;
        }

        @Override
        public void sleep(long ms) {
            throw new UnsupportedOperationException();
        }
    }
}
