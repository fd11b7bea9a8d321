package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.BrokerRegistration.HostPort;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.handlers.BrokerConfig;
import java.net.InetSocketAddress;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class InterBrokerListenerTest {
    @Test
    void theFirstNonControllerListenerByDefault() {
        BrokerConfig config = new BrokerConfig(Map.of("listeners", "CONTROLLER://:9093,PLAINTEXT://:9092,SSL://:9094",
                "controller.listener.names", "CONTROLLER"));
        assertEquals("PLAINTEXT", InterBrokerListener.name(config));
    }

    @Test
    void aNamedPlaintextListenerIsAccepted() {
        BrokerConfig config = new BrokerConfig(Map.of("listeners", "EXTERNAL://:9092,INTERNAL://:9094",
                "listener.security.protocol.map", "EXTERNAL:SSL,INTERNAL:PLAINTEXT", "inter.broker.listener.name", "internal"));
        assertEquals("INTERNAL", InterBrokerListener.name(config));
    }

    @Test
    void securityInterBrokerProtocolNamesTheListener() {
        BrokerConfig config = new BrokerConfig(Map.of("listeners", "PLAINTEXT://:9092,SSL://:9094", "security.inter.broker.protocol", "SSL"));
        assertEquals("SSL", InterBrokerListener.name(config));
    }

    @Test
    void anUnknownListenerIsRefused() {
        BrokerConfig config = new BrokerConfig(Map.of("listeners", "PLAINTEXT://:9092", "inter.broker.listener.name", "INTERNAL"));
        assertThrows(ConfigException.class, () -> InterBrokerListener.name(config));
    }

    @Test
    void theAddressOfABrokersListenerComesFromTheImage() {
        BrokerRegistration two = new BrokerRegistration(2, 7L, Map.of("INTERNAL", new HostPort("localhost", 19092),
                "EXTERNAL", new HostPort("localhost", 9092)), null, false, false);
        MetadataImage image = new MetadataImage(5, "c", Map.of(2, two), Map.of(), Map.of(), 0);
        assertEquals(new InetSocketAddress("localhost", 19092), InterBrokerListener.address(image, 2, "INTERNAL"));
        assertNull(InterBrokerListener.address(image, 2, "OTHER"));
        assertNull(InterBrokerListener.address(image, 3, "INTERNAL"));
    }
}
