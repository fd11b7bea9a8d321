package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.handlers.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void fileThenEnvironmentThenOverrides() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "num.partitions=3\nlog.dirs=/from/file\nsome.unknown.key=x\nlisteners=PLAINTEXT://:9092\n");
        Map<String, String> props = ConfigLoader.load(List.of(file.toString(), "--override", "num.partitions=5"),
                Map.of("KAFKA_LOG_DIRS", "/from/env", "KAFKA_HEAP_OPTS", "-Xmx1g", "KAFKA_CONFLUENT__SUPPORT___X", "v", "HOME", "/root"));
        assertEquals("5", props.get("num.partitions"));
        assertEquals("/from/env", props.get("log.dirs"));
        assertEquals("v", props.get("confluent_support-x"));
        assertFalse(props.containsKey("heap.opts"));
        BrokerConfig config = new BrokerConfig(props); // unknown keys are only logged
        assertEquals(5, config.numPartitions());
        assertEquals("/from/env", config.logDir());
    }

    @Test
    void environmentNamesMapAsInTheApacheKafkaImage() throws Exception {
        Map<String, String> props = ConfigLoader.load(List.of(), Map.of("KAFKA_VALID___PROPERTY__ALL_CASES", "v",
                "KAFKA_TOOLS_LOG4J_LOGLEVEL", "TRACE", "KAFKA_JMX_HOSTNAME", "h", "SOME_VARIABLE", "x",
                "KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9094", "CLUSTER_ID", "4L6g3nShT-eMCtK--X86sw"));
        assertEquals(Map.of("valid-property_all.cases", "v", "controller.quorum.voters", "1@localhost:9094",
                "cluster.id", "4L6g3nShT-eMCtK--X86sw"), props);
    }

    @Test
    void theDefaultsFileStandsInOnlyForAnUnconfiguredContainer() throws Exception {
        // given the image's defaults and a mounted file
        Path defaults = dir.resolve("defaults.properties");
        Files.writeString(defaults, "num.partitions=2\n");
        Path mounted = dir.resolve("server.properties");
        Files.writeString(mounted, "num.partitions=4\nlog.dirs=/mounted\n");
        List<String> withDefaults = List.of("--defaults", defaults.toString());
        // then: no file and no broker config in the environment: the defaults (a launch variable does not count)
        assertEquals(Map.of("num.partitions", "2"), ConfigLoader.load(withDefaults, Map.of("KAFKA_HEAP_OPTS", "-Xmx1g")));
        // the environment alone: no defaults, as apache/kafka
        assertEquals(Map.of("log.dirs", "/env"), ConfigLoader.load(withDefaults, Map.of("KAFKA_LOG_DIRS", "/env")));
        // a mounted file, the environment beating it
        List<String> withFile = List.of(mounted.toString(), "--defaults", defaults.toString());
        assertEquals(Map.of("num.partitions", "4", "log.dirs", "/env"), ConfigLoader.load(withFile, Map.of("KAFKA_LOG_DIRS", "/env")));
    }

    @Test
    void badInputIsAClearError() {
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of("/no/such/file"), Map.of()));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of("--override", "novalue"), Map.of()));
        assertThrows(ConfigException.class, () -> new BrokerConfig(Map.of("num.partitions", "many")));
        assertThrows(ConfigException.class, () -> new BrokerConfig(Map.of("log.segment.bytes", "10")));
        assertThrows(ConfigException.class, () -> Listener.parse("localhost:9092"));
    }

    @Test
    void kafkasOwnServerPropertiesStartTheBroker() throws Exception {
        // the KRaft combined-mode file Kafka ships, with a free port and a temp dir
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path file = dir.resolve("server.properties");
        Files.writeString(file, String.join("\n", "process.roles=broker,controller", "node.id=1",
                "controller.quorum.bootstrap.servers=localhost:9093",
                "listeners=CONTROLLER://:9093,PLAINTEXT://localhost:" + port, "inter.broker.listener.name=PLAINTEXT",
                "advertised.listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:9093",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                "num.network.threads=3", "num.io.threads=8", "socket.send.buffer.bytes=102400", "socket.receive.buffer.bytes=102400",
                "socket.request.max.bytes=104857600", "log.dirs=" + dir.resolve("kraft-combined-logs"), "num.partitions=1",
                "num.recovery.threads.per.data.dir=1", "offsets.topic.replication.factor=1", "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1", "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "log.retention.hours=168", "log.segment.bytes=1073741824", "log.retention.check.interval.ms=300000", ""));
        try (Broker broker = Broker.start(ConfigLoader.load(List.of(file.toString()), Map.of()))) {
            assertEquals(port, broker.port(), "the PLAINTEXT listener is served, not the controller one");
        }
    }

    @Test
    void securitySettingsItCannotHonourStopTheStart(@org.junit.jupiter.api.io.TempDir Path data) {
        Map<String, String> base = Map.of("listeners", "PLAINTEXT://localhost:0", "log.dirs", data.toString());
        Map<Map<String, String>, String> cases = Map.of(
                Map.of("authorizer.class.name", "com.example.NoSuchAuthorizer"), "NoSuchAuthorizer",
                Map.of("listeners", "SSL://localhost:0"), "key store",
                Map.of("listeners", "SSL://localhost:0", "ssl.keystore.location", data.resolve("missing.p12").toString(),
                        "ssl.keystore.password", "x"), "missing.p12",
                Map.of("listeners", "SASL_PLAINTEXT://localhost:0"), "GSSAPI",
                Map.of("listeners", "SASL_PLAINTEXT://localhost:0", "sasl.enabled.mechanisms", "PLAIN"), "jaas",
                Map.of("listeners", "SASL_PLAINTEXT://localhost:0", "sasl.enabled.mechanisms", "PLAIN,NTLM"), "NTLM",
                Map.of("listeners", "PLAINTEXT://localhost:0,BROKER://localhost:0"), "BROKER",
                Map.of("delegation.token.secret.key", "k"), "delegation.token.secret.key");
        cases.forEach((extra, expected) -> {
            Map<String, String> props = new java.util.HashMap<>(base);
            props.putAll(extra);
            ConfigException e = assertThrows(ConfigException.class, () -> Broker.start(props).close(), extra.toString());
            assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains(expected.toLowerCase(java.util.Locale.ROOT)),
                    extra + " -> " + e.getMessage());
        });
    }

    @Test
    void listenersParse() {
        assertEquals(new Listener("PLAINTEXT", "", 9092), Listener.parse("PLAINTEXT://:9092"));
        assertEquals(new Listener("EXTERNAL", "::1", 0), Listener.parse("EXTERNAL://[::1]:0"));
    }
}
