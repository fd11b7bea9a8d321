package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerConfigTest {
    @Test
    void securitySettingsAndTheirListenerFormsAreKnownNotIgnored() {
        for (String key : List.of("ssl.keystore.location", "ssl.client.auth", "sasl.enabled.mechanisms", "authorizer.class.name",
                "super.users", "connections.max.reauth.ms", "listener.name.sasl_ssl.ssl.keystore.location",
                "listener.name.sasl_ssl.plain.sasl.jaas.config", "listener.name.broker.scram-sha-512.sasl.server.callback.handler.class",
                "connection.failed.authentication.delay.ms")) {
            assertTrue(BrokerConfig.isKnown(key), key);
        }
        assertFalse(BrokerConfig.isKnown("no.such.config"));
        assertFalse(BrokerConfig.isKnown("listener.name.x.no.such.config"));
    }
}
