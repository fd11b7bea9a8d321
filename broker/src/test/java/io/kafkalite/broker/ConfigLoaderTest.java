package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void badInputIsAClearError() {
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of("/no/such/file"), Map.of()));
        assertThrows(ConfigException.class, () -> ConfigLoader.load(List.of("--override", "novalue"), Map.of()));
        assertThrows(ConfigException.class, () -> new BrokerConfig(Map.of("num.partitions", "many")));
        assertThrows(ConfigException.class, () -> new BrokerConfig(Map.of("log.segment.bytes", "10")));
        assertThrows(ConfigException.class, () -> Listener.parse("localhost:9092"));
    }

    @Test
    void listenersParse() {
        assertEquals(new Listener("PLAINTEXT", "", 9092), Listener.parse("PLAINTEXT://:9092"));
        assertEquals(new Listener("EXTERNAL", "::1", 0), Listener.parse("EXTERNAL://[::1]:0"));
    }
}
