package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.acl.TestCertificates;
import io.kafkalite.handlers.BrokerConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

/** What start-up accepts and refuses for the broker's own connections to the inter-broker listener. */
class InterBrokerSecurityTest {
    private static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"admin\" password=\"secret\" user_admin=\"secret\";";

    @Test
    void plaintextByDefault() {
        InterBrokerSecurity security = InterBrokerSecurity.of(new BrokerConfig(Map.of()));
        assertEquals("PLAINTEXT", security.listener());
        assertEquals(SecurityProtocol.PLAINTEXT, security.protocol());
    }

    @Test
    void sslUsesTheListenersStores() {
        Map<String, String> props = internal("SSL");
        props.put("listener.name.internal.ssl.truststore.location", TestCertificates.get().truststore("PKCS12").toString());
        props.put("listener.name.internal.ssl.truststore.password", TestCertificates.PASSWORD);
        props.put("ssl.truststore.location", "/nonexistent"); // overridden by the listener's own setting
        assertEquals(SecurityProtocol.SSL, InterBrokerSecurity.of(new BrokerConfig(props)).protocol());
    }

    @Test
    void anUnreadableTrustStoreStopsStartUp() {
        Map<String, String> props = internal("SSL");
        props.put("ssl.truststore.location", "/nonexistent/truststore.p12");
        ConfigException e = assertThrows(ConfigException.class, () -> InterBrokerSecurity.of(new BrokerConfig(props)));
        assertTrue(e.getMessage().contains("Listener INTERNAL: ssl.truststore.location"), e.getMessage());
    }

    @Test
    void kafkasDefaultMechanismGssapiIsRefusedWithAMessage() {
        Map<String, String> props = internal("SASL_SSL");
        ConfigException e = assertThrows(ConfigException.class, () -> InterBrokerSecurity.of(new BrokerConfig(props)));
        assertTrue(e.getMessage().contains("sasl.mechanism.inter.broker.protocol=GSSAPI (Kerberos"), e.getMessage());
    }

    @Test
    void oauthBearerIsRefused() {
        Map<String, String> props = internal("SASL_PLAINTEXT");
        props.put("sasl.mechanism.inter.broker.protocol", "OAUTHBEARER");
        props.put("sasl.enabled.mechanisms", "OAUTHBEARER");
        ConfigException e = assertThrows(ConfigException.class, () -> InterBrokerSecurity.of(new BrokerConfig(props)));
        assertTrue(e.getMessage().contains("cannot log in with"), e.getMessage());
    }

    @Test
    void theMechanismMustBeEnabledOnTheListener() {
        Map<String, String> props = plain();
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
        ConfigException e = assertThrows(ConfigException.class, () -> InterBrokerSecurity.of(new BrokerConfig(props)));
        assertTrue(e.getMessage().contains("does not enable"), e.getMessage());
    }

    @Test
    void theJaasEntryMustHoldTheBrokersOwnLogin() {
        Map<String, String> props = plain();
        props.put("listener.name.internal.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"secret\";");
        ConfigException e = assertThrows(ConfigException.class, () -> InterBrokerSecurity.of(new BrokerConfig(props)));
        assertTrue(e.getMessage().contains("no username and password"), e.getMessage());
    }

    @Test
    void plainLogsInWithTheListenersJaasEntry() {
        InterBrokerSecurity security = InterBrokerSecurity.of(new BrokerConfig(plain()));
        assertEquals(SecurityProtocol.SASL_PLAINTEXT, security.protocol());
        assertEquals("PLAIN", security.sasl().mechanism());
        assertEquals("admin", security.sasl().username());
    }

    private static Map<String, String> plain() {
        Map<String, String> props = internal("SASL_PLAINTEXT");
        props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        props.put("sasl.enabled.mechanisms", "PLAIN");
        props.put("listener.name.internal.plain.sasl.jaas.config", PLAIN_JAAS);
        return props;
    }

    private static Map<String, String> internal(String protocol) {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "PLAINTEXT://:9092,INTERNAL://:9094");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:" + protocol);
        props.put("inter.broker.listener.name", "INTERNAL");
        return props;
    }
}
