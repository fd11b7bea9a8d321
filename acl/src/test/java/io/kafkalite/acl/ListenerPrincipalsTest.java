package io.kafkalite.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Map;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

class ListenerPrincipalsTest {
    private static final ListenerName LISTENER = new ListenerName("SASL_PLAINTEXT");
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    @Test
    void defaultBuilderGivesSaslAuthorizationIdAndAnonymousOnPlaintext() {
        // given
        ListenerPrincipals principals = ListenerPrincipals.forListener(Map.of(), LISTENER);

        // when
        KafkaPrincipal sasl = principals.sasl(saslServer("alice"), SecurityProtocol.SASL_PLAINTEXT, CLIENT, null);
        KafkaPrincipal plaintext = principals.plaintext(CLIENT);

        // then
        assertEquals(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice"), sasl);
        assertEquals(KafkaPrincipal.ANONYMOUS, plaintext);
    }

    @Test
    void customBuilderIsCreatedAndConfiguredWithTheListenersSettings() {
        // given
        Map<String, String> props = Map.of("principal.builder.class", TeamPrincipalBuilder.class.getName(),
                "team", "everyone", "listener.name.sasl_plaintext.team", "payments");

        // when
        ListenerPrincipals principals = ListenerPrincipals.forListener(props, LISTENER);

        // then
        assertEquals(new KafkaPrincipal("Team", "payments"), principals.plaintext(CLIENT));
    }

    @Test
    void builderClassThatIsNoPrincipalBuilderStopsStartUp() {
        Map<String, String> props = Map.of("principal.builder.class", String.class.getName());
        ConfigException e = assertThrows(ConfigException.class, () -> ListenerPrincipals.forListener(props, LISTENER));
        assertTrue(e.getMessage().startsWith("Listener SASL_PLAINTEXT: principal.builder.class="), e.getMessage());
    }

    /** A principal builder as users write them: configured with the broker's settings. */
    public static final class TeamPrincipalBuilder implements KafkaPrincipalBuilder, Configurable {
        private String team;

        @Override
        public void configure(Map<String, ?> configs) {
            team = (String) configs.get("team");
        }

        @Override
        public KafkaPrincipal build(AuthenticationContext context) {
            return new KafkaPrincipal("Team", team);
        }

        @Override
        public byte[] serialize(KafkaPrincipal principal) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KafkaPrincipal deserialize(byte[] bytes) {
            throw new UnsupportedOperationException();
        }
    }

    private static SaslServer saslServer(String authorizationId) {
        return new SaslServer() {
            @Override
            public String getMechanismName() {
                return "PLAIN";
            }

            @Override
            public byte[] evaluateResponse(byte[] response) {
                return new byte[0];
            }

            @Override
            public boolean isComplete() {
                return true;
            }

            @Override
            public String getAuthorizationID() {
                return authorizationId;
            }

            @Override
            public byte[] unwrap(byte[] incoming, int offset, int len) {
                throw new IllegalStateException();
            }

            @Override
            public byte[] wrap(byte[] outgoing, int offset, int len) {
                throw new IllegalStateException();
            }

            @Override
            public Object getNegotiatedProperty(String propName) {
                return null;
            }

            @Override
            public void dispose() { }
        };
    }
}
