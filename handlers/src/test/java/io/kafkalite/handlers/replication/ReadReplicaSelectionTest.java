package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.handlers.BrokerConfig;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.replica.ClientMetadata;
import org.apache.kafka.common.replica.PartitionView;
import org.apache.kafka.common.replica.RackAwareReplicaSelector;
import org.apache.kafka.common.replica.ReplicaSelector;
import org.apache.kafka.common.replica.ReplicaView;
import org.junit.jupiter.api.Test;

/** {@code replica.selector.class}: none by default, any ReplicaSelector configured with the broker's properties, else start-up stops. */
class ReadReplicaSelectionTest {
    /** Remembers the properties it was configured with. */
    public static final class Recording implements ReplicaSelector {
        static volatile Map<String, ?> configured;

        @Override
        public Optional<ReplicaView> select(TopicPartition tp, ClientMetadata client, PartitionView partition) {
            return Optional.empty();
        }

        @Override
        public void configure(Map<String, ?> configs) {
            configured = configs;
        }
    }

    private static ReadReplicaSelection load(String className) {
        return ReadReplicaSelection.load(new BrokerConfig(className == null ? Map.of("node.id", "1")
                : Map.of("node.id", "1", "replica.selector.class", className)));
    }

    @Test
    void noneByDefault() {
        assertSame(ReadReplicaSelection.NONE, load(null));
        assertSame(ReadReplicaSelection.NONE, load(""));
    }

    @Test
    void kafkasSelectorAndAnyOtherAreConfiguredWithTheBrokersProperties() {
        load(RackAwareReplicaSelector.class.getName()).close();
        load(Recording.class.getName()).close();
        assertTrue(Recording.configured.containsKey("replica.selector.class"));
    }

    @Test
    void aClassThatCannotBeLoadedStopsStartUp() {
        ConfigException missing = assertThrows(ConfigException.class, () -> load("com.example.NoSuchSelector"));
        assertTrue(missing.getMessage().contains("com.example.NoSuchSelector"), missing.getMessage());
        assertThrows(ConfigException.class, () -> load(String.class.getName()), "not a ReplicaSelector");
    }
}
