package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Dynamic broker configs: Kafka's checks and messages, precedence, persistence, subscribers. */
class DynamicBrokerConfigTest {
    final LogStore store = LogStore.inMemory(Map.of());
    final DurableMap table = store.durableMap("broker_configs");
    final BrokerConfig staticConfig = new BrokerConfig(Map.of("node.id", "1", "log.retention.ms", "1000", "num.io.threads", "4"));
    final DynamicBrokerConfig config = DynamicBrokerConfig.load(staticConfig, table);

    @AfterEach
    void close() {
        store.close();
    }

    ApiError set(String resource, String name, String value) {
        return config.alter(resource, m -> {
            m.put(name, value);
            return m;
        }, false);
    }

    @Test
    void perBrokerBeatsClusterDefaultBeatsStaticAndSurvivesReload() {
        // when
        assertEquals(ApiError.NONE, set("", "log.retention.ms", "2000"));
        // then
        assertEquals("2000", config.current().originals().get("log.retention.ms"));
        // when
        assertEquals(ApiError.NONE, set("1", "log.retention.ms", "3000"));
        assertEquals(ApiError.NONE, set("", "message.max.bytes", "5000"));
        // then
        assertEquals("3000", config.current().originals().get("log.retention.ms"));
        DynamicBrokerConfig reloaded = DynamicBrokerConfig.load(staticConfig, table);
        assertEquals(Map.of("log.retention.ms", "2000", "message.max.bytes", "5000"), reloaded.clusterDefaults());
        assertEquals(Map.of("log.retention.ms", "3000"), reloaded.brokerOverrides());
        assertEquals("5000", reloaded.current().originals().get("message.max.bytes"));
        // another broker's id reads nothing of this one's
        DynamicBrokerConfig other = DynamicBrokerConfig.load(new BrokerConfig(Map.of("node.id", "2")), table);
        assertEquals(Map.of(), other.brokerOverrides());
        // when: deleting the last one
        config.alter("1", m -> {
            m.remove("log.retention.ms");
            return m;
        }, false);
        // then
        assertEquals("2000", config.current().originals().get("log.retention.ms"));
        assertEquals(Map.of(), DynamicBrokerConfig.load(staticConfig, table).brokerOverrides());
    }

    @Test
    void kafkasChecksAndMessages() {
        assertError(Errors.INVALID_REQUEST, "Cannot update these configs dynamically: [log.dirs]", set("1", "log.dirs", "/x"));
        assertError(Errors.INVALID_REQUEST, "Cannot update these configs dynamically: [broker.id, log.dirs]",
                config.alter("1", m -> new HashMap<>(Map.of("log.dirs", "/x", "broker.id", "3")), false));
        assertError(Errors.INVALID_REQUEST, "Cannot update these configs dynamically: [log.retention.hours]",
                set("", "log.retention.hours", "1"));
        assertError(Errors.INVALID_REQUEST, "These security configs can be dynamically updated only per-listener using the listener prefix: "
                + "[ssl.keystore.location]", set("1", "ssl.keystore.location", "/k.jks"));
        assertError(Errors.INVALID_REQUEST, "Invalid value soon for configuration log.retention.ms: Not a number of type LONG",
                set("1", "log.retention.ms", "soon"));
        assertError(Errors.INVALID_REQUEST, "Invalid value 1 for configuration log.segment.bytes: Value must be at least 1048576",
                set("", "log.segment.bytes", "1"));
        assertError(Errors.INVALID_REQUEST, "Cannot update these configs at default cluster level, broker id must be specified: "
                + "[listener.name.external.ssl.keystore.location]", set("", "listener.name.external.ssl.keystore.location", "/k.jks"));
        assertError(Errors.INVALID_REQUEST, "Unexpected broker id, expected 1, but received 2", set("2", "log.retention.ms", "1"));
        assertError(Errors.INVALID_REQUEST, "Node id must be an integer, but it is: one", set("one", "log.retention.ms", "1"));
        assertError(Errors.INVALID_REQUEST, "Dynamic thread count update validation failed for num.io.threads=9, value should not be greater "
                + "than double the current value 4", set("1", "num.io.threads", "9"));
        assertError(Errors.INVALID_REQUEST, "Dynamic thread count update validation failed for num.io.threads=1, value should be at least "
                + "half the current value 4", set("1", "num.io.threads", "1"));
        assertError(Errors.INVALID_REQUEST, "Dynamic thread count update validation failed for num.network.threads=7, value should not be "
                + "greater than double the current value 3", set("", "num.network.threads", "7"));
        assertEquals(Map.of(), config.brokerOverrides(), "nothing refused was kept");
    }

    @Test
    void tlsAndListenerSettingsAreRefusedRatherThanPretended() {
        ApiError e = set("1", "listener.name.external.ssl.keystore.location", "/k.jks");
        assertEquals(Errors.INVALID_REQUEST, e.error());
        assertTrue(e.message().contains("cannot change listener, TLS or SASL settings while it runs"), e.message());
        assertEquals(Errors.INVALID_REQUEST, set("1", "listeners", "PLAINTEXT://:9093").error());
    }

    @Test
    void customNamesAndDynamicOnlyOnesAreKept() {
        assertEquals(ApiError.NONE, set("1", "my.reporter.setting", "x"));
        assertEquals(ApiError.NONE, set("1", "log.cleaner.threads", "2"));
        assertEquals(Errors.INVALID_REQUEST, set("1", "log.cleaner.threads", "two").error());
        assertEquals(Map.of("my.reporter.setting", "x", "log.cleaner.threads", "2"), config.brokerOverrides());
    }

    @Test
    void aResourceHoldsABoundedNumberOfConfigs() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= DynamicBrokerConfig.MAX_CONFIGS_PER_RESOURCE; i++) {
            many.put("custom." + i, "v");
        }
        assertEquals(Errors.INVALID_REQUEST, config.alter("1", m -> many, false).error());
        many.remove("custom.0");
        assertEquals(ApiError.NONE, config.alter("1", m -> many, false));
        assertEquals(DynamicBrokerConfig.MAX_CONFIGS_PER_RESOURCE, DynamicBrokerConfig.load(staticConfig, table).brokerOverrides().size());
    }

    @Test
    void validateOnlyChangesNothing() {
        assertEquals(ApiError.NONE, config.alter("", m -> Map.of("log.retention.ms", "5"), true));
        assertEquals("1000", config.current().originals().get("log.retention.ms"));
        assertEquals(Map.of(), DynamicBrokerConfig.load(staticConfig, table).clusterDefaults());
    }

    @Test
    void subscribersHearOfTheirNamesOnly() {
        List<String> heard = new ArrayList<>();
        config.subscribe(List.of("num.io.threads"), c -> heard.add("io=" + c.numIoThreads()));
        config.subscribe(DynamicBrokerConfig.TOPIC_DEFAULTS, c -> heard.add("log=" + c.originals().get("log.retention.ms")));
        set("1", "num.io.threads", "8");
        set("", "log.retention.ms", "7");
        set("1", "log.retention.ms", "1000"); // per broker now what the static value was: still a change from 7
        set("1", "my.custom", "1");
        assertEquals(List.of("io=8", "log=7", "log=1000"), heard);
    }

    @Test
    void appendAndSubtractStartFromKafkasDefaultAndNeedALists() {
        Map<String, String> next = IncrementalAlterConfigsHandler.applied(new HashMap<>(), List.of(
                op("log.cleanup.policy", "compact", AlterConfigOp.OpType.APPEND)), DynamicConfigNames::key);
        assertEquals(Map.of("log.cleanup.policy", "delete,compact"), next);
        assertThrows(InvalidConfigurationException.class, () -> IncrementalAlterConfigsHandler.applied(new HashMap<>(), List.of(
                op("log.retention.ms", "1", AlterConfigOp.OpType.APPEND)), DynamicConfigNames::key));
    }

    @Test
    void legacyAlterConfigsReplacesTheResourcesWholeSet() throws Exception {
        config.subscribe(DynamicBrokerConfig.TOPIC_DEFAULTS, c -> store.updateBrokerDefaults(c.originals())); // as Broker wires it
        store.createTopic("old", 1, Map.of());
        set("", "log.retention.ms", "5");
        assertEquals(5L, store.config("old").retentionMs);
        AlterConfigsRequestData data = new AlterConfigsRequestData();
        AlterConfigsRequestData.AlterableConfigCollection configs = new AlterConfigsRequestData.AlterableConfigCollection();
        configs.add(new AlterConfigsRequestData.AlterableConfig().setName("log.retention.bytes").setValue("1000000"));
        data.resources().add(new AlterConfigsRequestData.AlterConfigsResource().setResourceType(ConfigResource.Type.BROKER.id())
                .setResourceName("").setConfigs(configs));
        AlterConfigsResponse response = HandlerCalls.answer(new AlterConfigsHandler(store, config, Authorization.NONE),
                HandlerCalls.request(ApiKeys.ALTER_CONFIGS, data, (short) 2));
        assertEquals(Errors.NONE.code(), response.data().responses().get(0).errorCode());
        assertEquals(Map.of("log.retention.bytes", "1000000"), config.clusterDefaults());
        assertEquals(1_000_000L, store.config("old").retentionBytes, "an existing topic's default");
        assertEquals(1000L, store.config("old").retentionMs, "back to the static value");
        assertEquals(1_000_000L, store.config(store.createTopic("new", 1, Map.of()).name()).retentionBytes, "a new topic's default");
    }

    static AlterableConfig op(String name, String value, AlterConfigOp.OpType type) {
        return new AlterableConfig().setName(name).setValue(value).setConfigOperation(type.id());
    }

    static void assertError(Errors error, String message, ApiError... results) {
        for (ApiError result : results) {
            assertEquals(error, result.error(), result.message());
            assertEquals(message, result.message());
        }
    }
}
