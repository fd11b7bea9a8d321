package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic broker configs through {@code kafka-configs --entity-type brokers} (Kafka 4.4's ConfigCommand) and the
 * admin client: a changed default reaches topics without an override at once, survives a restart, and static
 * configs are refused with Kafka's message.
 */
class DynamicBrokerConfigTest {
    static final String CONFIG_COMMAND = "org.apache.kafka.tools.ConfigCommand";
    static final ConfigResource BROKER_1 = new ConfigResource(ConfigResource.Type.BROKER, "1");
    static final ConfigResource CLUSTER_DEFAULT = new ConfigResource(ConfigResource.Type.BROKER, "");

    @TempDir
    Path dir;

    Tools.Result configs(TestBroker broker, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap(), "--entity-type", "brokers"));
        all.addAll(List.of(args));
        return Tools.run(dir, CONFIG_COMMAND, all);
    }

    static void assertOk(Tools.Result r) {
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    static Throwable sendCause(KafkaProducer<String, String> producer, String topic, int bytes) {
        return assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>(topic, "x".repeat(bytes))).get()).getCause();
    }

    @Test
    void kafkaConfigsChangesBrokerDefaultsAtRunTimeAndTheySurviveARestart() throws Exception {
        try (TestBroker broker = TestBroker.start(dir.resolve("data"))) {
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic("plain", 1, (short) 1),
                        new NewTopic("own", 1, (short) 1).configs(Map.of("max.message.bytes", "100000")))).all().get();
            }
            // when: the cluster-wide default of message.max.bytes drops to 2000
            assertOk(configs(broker, "--entity-default", "--alter", "--add-config", "message.max.bytes=2000"));
            // then: a topic without an override refuses a 5 kB record at once; one with its own limit does not
            try (KafkaProducer<String, String> producer = broker.producer(Map.of("retries", 0))) {
                assertInstanceOf(RecordTooLargeException.class, sendCause(producer, "plain", 5000));
                producer.send(new ProducerRecord<>("own", "x".repeat(5000))).get();
            }
            // when: this broker's own log.retention.ms
            assertOk(configs(broker, "--entity-name", "1", "--alter", "--add-config", "log.retention.ms=3600000"));
            // then: described as Kafka does, by the tool and for the topic
            Tools.Result described = configs(broker, "--entity-name", "1", "--describe");
            assertOk(described);
            assertTrue(described.stdout().contains("Dynamic configs for broker 1 are:"), described.stdout());
            assertTrue(described.stdout().contains("log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=3600000"),
                    described.stdout());
            Tools.Result defaults = configs(broker, "--entity-default", "--describe");
            assertOk(defaults);
            assertTrue(defaults.stdout().contains("message.max.bytes=2000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:message.max.bytes=2000}"),
                    defaults.stdout());
            assertFalse(defaults.stdout().contains("log.retention.ms"), "a per-broker config is not a default: " + defaults.stdout());
            try (Admin admin = broker.admin()) {
                ConfigResource plain = new ConfigResource(ConfigResource.Type.TOPIC, "plain");
                ConfigEntry retention = admin.describeConfigs(List.of(plain)).all().get().get(plain).get("retention.ms");
                assertEquals("3600000", retention.value());
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, retention.source());
            }
            // a static config: Kafka's refusal
            Tools.Result refused = configs(broker, "--entity-name", "1", "--alter", "--add-config", "log.dirs=/elsewhere");
            assertNotEquals(0, refused.exitCode());
            assertTrue((refused.stdout() + refused.stderr()).contains("Cannot update these configs dynamically: [log.dirs]"),
                    refused.stdout() + refused.stderr());
        }
        // after a restart on the same data directory the dynamic configs are still in force
        try (TestBroker broker = TestBroker.start(dir.resolve("data"))) {
            try (Admin admin = broker.admin()) {
                Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(BROKER_1, CLUSTER_DEFAULT)).all().get();
                ConfigEntry maxBytes = configs.get(BROKER_1).get("message.max.bytes");
                assertEquals("2000", maxBytes.value());
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, maxBytes.source());
                assertEquals("3600000", configs.get(BROKER_1).get("log.retention.ms").value());
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, configs.get(BROKER_1).get("log.retention.ms").source());
                assertEquals(1, configs.get(CLUSTER_DEFAULT).entries().size(), configs.get(CLUSTER_DEFAULT).toString());
            }
            try (KafkaProducer<String, String> producer = broker.producer(Map.of("retries", 0))) {
                assertInstanceOf(RecordTooLargeException.class, sendCause(producer, "plain", 5000));
                // when: the default is deleted
                assertOk(configs(broker, "--entity-default", "--alter", "--delete-config", "message.max.bytes"));
                // then: Kafka's default (1 MB) again
                producer.send(new ProducerRecord<>("plain", "x".repeat(5000))).get();
            }
        }
    }

    @Test
    void adminClientChangesThreadsAndConnectionLimitsAndValidatesOnly() throws Exception {
        try (TestBroker broker = TestBroker.start(dir.resolve("data")); Admin admin = broker.admin()) {
            // validate_only: checked, not applied
            admin.incrementalAlterConfigs(Map.of(BROKER_1, List.of(new AlterConfigOp(new ConfigEntry("num.io.threads", "16"), AlterConfigOp.OpType.SET))),
                    new AlterConfigsOptions().validateOnly(true)).all().get();
            assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, numIoThreads(admin).source());
            // when
            admin.incrementalAlterConfigs(Map.of(BROKER_1, List.of(new AlterConfigOp(new ConfigEntry("num.io.threads", "16"), AlterConfigOp.OpType.SET))))
                    .all().get();
            // then
            assertEquals("16", numIoThreads(admin).value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, numIoThreads(admin).source());
            for (int i = 0; i < 20; i++) { // each request to a pool below its size starts a thread
                numIoThreads(admin);
            }
            assertTrue(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("request-handler-")).count() >= 16,
                    "the request-handler pool grew");
            // Kafka's limits: at most double, and no broker.id change
            Throwable tooMany = assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(Map.of(BROKER_1, List.of(
                    new AlterConfigOp(new ConfigEntry("num.io.threads", "64"), AlterConfigOp.OpType.SET)))).all().get()).getCause();
            assertInstanceOf(InvalidRequestException.class, tooMany);
            Throwable staticConfig = assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(Map.of(BROKER_1, List.of(
                    new AlterConfigOp(new ConfigEntry("broker.id", "7"), AlterConfigOp.OpType.SET)))).all().get()).getCause();
            assertInstanceOf(InvalidRequestException.class, staticConfig);
            assertEquals("Cannot update these configs dynamically: [broker.id]", staticConfig.getMessage());

            // connection limits apply to new connections: at max.connections a new connection waits, until the
            // limit rises. An accepted connection of the test's own holds the one slot (the admin client's
            // connections come and go)
            try (RawClient holder = new RawClient(broker.port())) {
                holder.call(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0));
                admin.incrementalAlterConfigs(Map.of(BROKER_1, List.of(new AlterConfigOp(new ConfigEntry("max.connections", "1"),
                        AlterConfigOp.OpType.SET)))).all().get();
                try (Pending waiting = waitingAtTheLimit(broker.port())) {
                    admin.incrementalAlterConfigs(Map.of(BROKER_1, List.of(new AlterConfigOp(new ConfigEntry("max.connections", ""),
                            AlterConfigOp.OpType.DELETE)))).all().get();
                    ApiVersionsResponse answered = waiting.client().read(waiting.request());
                    assertEquals(Errors.NONE.code(), answered.data().errorCode());
                }
            }
        }
    }

    /** A connection whose request is not answered yet. */
    private record Pending(RawClient client, RequestHeader request) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            client.close();
        }
    }

    /**
     * A new connection that waits unanswered at the limit. A broker applies a dynamic config shortly after its
     * AlterConfigs answer (Kafka: when the metadata record reaches the broker), so until then a new connection is
     * answered; it is closed and another one tried.
     */
    private static Pending waitingAtTheLimit(int port) throws Exception {
        for (long deadline = System.currentTimeMillis() + 30_000; ; ) {
            RawClient client = new RawClient(port);
            RequestHeader request = client.send(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0));
            if (client.silentFor(2_000)) {
                return new Pending(client, request);
            }
            client.close();
            assertTrue(System.currentTimeMillis() < deadline, "max.connections=1 was never applied: new connections are still answered");
        }
    }

    @Test
    void aClusterWideRetentionDefaultDeletesOldSegmentsOfTopicsWithoutTheirOwn() throws Exception {
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), Map.of("log.retention.check.interval.ms", "200"));
             Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("aging", 1, (short) 1).configs(Map.of("segment.bytes", "1048576")))).all().get();
            long hourAgo = System.currentTimeMillis() - 3_600_000;
            try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
                for (int i = 0; i < 3000; i++) { // ~1.5 MB of hour-old records: one rolled segment
                    p.send(new ProducerRecord<>("aging", 0, hourAgo, "k" + i, "x".repeat(500)));
                }
            }
            TopicPartition tp = new TopicPartition("aging", 0);
            try (KafkaConsumer<String, String> c = broker.consumer()) {
                Thread.sleep(600); // three retention checks under the default 7 days
                assertEquals(0L, c.beginningOffsets(List.of(tp)).get(tp));
                // when
                admin.incrementalAlterConfigs(Map.of(CLUSTER_DEFAULT, List.of(new AlterConfigOp(new ConfigEntry("log.retention.ms", "60000"),
                        AlterConfigOp.OpType.SET)))).all().get();
                // then
                long start = 0;
                for (long deadline = System.currentTimeMillis() + 20_000; start == 0 && System.currentTimeMillis() < deadline; ) {
                    Thread.sleep(200);
                    start = c.beginningOffsets(List.of(tp)).get(tp);
                }
                assertTrue(start > 0, "the rolled segment of hour-old records was deleted");
                assertEquals(3000L, c.endOffsets(List.of(tp)).get(tp));
            }
        }
    }

    private static ConfigEntry numIoThreads(Admin admin) throws Exception {
        return admin.describeConfigs(List.of(BROKER_1)).all().get().get(BROKER_1).get("num.io.threads");
    }
}
