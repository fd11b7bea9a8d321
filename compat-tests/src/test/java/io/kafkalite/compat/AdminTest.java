package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The stock AdminClient managing topics. */
class AdminTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("log.retention.hours", "100"));
    static Admin admin;

    @BeforeAll
    static void start() {
        admin = broker.admin();
    }

    @AfterAll
    static void stop() {
        admin.close();
    }

    private static Throwable cause(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(ExecutionException.class, call).getCause();
    }

    @Test
    void createDescribeAlterAndDeleteTopic() throws Exception {
        // given
        NewTopic topic = new NewTopic("orders", 3, (short) 1).configs(Map.of("cleanup.policy", "compact", "max.message.bytes", "2000000"));
        // when
        var created = admin.createTopics(List.of(topic));
        created.all().get();
        // then
        assertTrue(admin.listTopics().names().get().contains("orders"));
        TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
        assertEquals(3, d.partitions().size());
        // kafka-clients turns a missing topic id into Uuid.ZERO_UUID, never null: the id is real and the same everywhere
        Uuid id = created.topicId("orders").get();
        assertNotEquals(Uuid.ZERO_UUID, id, "topic id from CreateTopics");
        assertEquals(id, d.topicId(), "topic id from Metadata (describeTopics by name)");
        d.partitions().forEach(p -> {
            assertEquals(1, p.leader().id());
            assertEquals(1, p.isr().size());
        });

        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
        Config config = admin.describeConfigs(List.of(res)).all().get().get(res);
        assertEquals("compact", config.get("cleanup.policy").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get("cleanup.policy").source());
        assertEquals("2000000", config.get("max.message.bytes").value());
        assertEquals("360000000", config.get("retention.ms").value(), "broker's log.retention.hours is the default");
        assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, config.get("retention.ms").source());
        assertEquals("1073741824", config.get("segment.bytes").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("segment.bytes").source());

        admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(5))).all().get();
        assertEquals(5, admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders").partitions().size());
        assertInstanceOf(InvalidPartitionsException.class,
                cause(() -> admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(2))).all().get()));

        admin.deleteTopics(List.of("orders")).all().get();
        assertFalse(admin.listTopics().names().get().contains("orders"));
        assertInstanceOf(UnknownTopicOrPartitionException.class, cause(() -> admin.deleteTopics(List.of("orders")).all().get()));
    }

    @Test
    void createTopicErrors() throws Exception {
        admin.createTopics(List.of(new NewTopic("dup", 1, (short) 1))).all().get();
        assertInstanceOf(TopicExistsException.class, cause(() -> admin.createTopics(List.of(new NewTopic("dup", 1, (short) 1))).all().get()));
        assertInstanceOf(InvalidTopicException.class, cause(() -> admin.createTopics(List.of(new NewTopic("bad name!", 1, (short) 1))).all().get()));
        assertInstanceOf(InvalidTopicException.class, cause(() -> admin.createTopics(List.of(new NewTopic("..", 1, (short) 1))).all().get()));
        assertInstanceOf(InvalidReplicationFactorException.class,
                cause(() -> admin.createTopics(List.of(new NewTopic("rf3", 1, (short) 3))).all().get()));
        assertInstanceOf(InvalidPartitionsException.class,
                cause(() -> admin.createTopics(List.of(new NewTopic("zero", 0, (short) 1))).all().get()));
        assertInstanceOf(InvalidConfigurationException.class,
                cause(() -> admin.createTopics(List.of(new NewTopic("cfg", 1, (short) 1).configs(Map.of("no.such.config", "1")))).all().get()));
        assertInstanceOf(InvalidConfigurationException.class,
                cause(() -> admin.createTopics(List.of(new NewTopic("cfg", 1, (short) 1).configs(Map.of("cleanup.policy", "sometimes")))).all().get()));
        assertFalse(admin.listTopics().names().get().contains("cfg"));
    }

    @Test
    void validateOnlyCreatesNothingAndDefaultsApply() throws Exception {
        admin.createTopics(List.of(new NewTopic("checked", 4, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all().get();
        assertFalse(admin.listTopics().names().get().contains("checked"));

        var result = admin.createTopics(List.of(new NewTopic("defaults", java.util.Optional.empty(), java.util.Optional.empty())));
        result.all().get();
        assertEquals(1, result.numPartitions("defaults").get());
        assertEquals(1, result.replicationFactor("defaults").get());
        assertEquals("delete", result.config("defaults").get().get("cleanup.policy").value());
    }

    @Test
    void describeClusterAndBrokerConfigs() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster();
        assertEquals(1, cluster.nodes().get().size());
        assertEquals(broker.port(), cluster.nodes().get().iterator().next().port());
        assertEquals(1, cluster.controller().get().id());
        assertNotNull(cluster.clusterId().get());

        ConfigResource res = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config config = admin.describeConfigs(List.of(res)).all().get().get(res);
        assertEquals("1", config.get("num.partitions").value());
        assertEquals("100", config.get("log.retention.hours").value());
        assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, config.get("log.retention.hours").source());
    }

    @Test
    void deleteByTopicId() throws Exception {
        var created = admin.createTopics(List.of(new NewTopic("by-id", 2, (short) 1)));
        Uuid id = created.topicId("by-id").get();
        assertNotEquals(Uuid.ZERO_UUID, id, "topic id from CreateTopics");
        assertEquals(id, admin.describeTopics(List.of("by-id")).allTopicNames().get().get("by-id").topicId(), "topic id from Metadata");
        admin.deleteTopics(org.apache.kafka.common.TopicCollection.ofTopicIds(List.of(id))).all().get();
        assertFalse(admin.listTopics().names().get().contains("by-id"));
        assertInstanceOf(org.apache.kafka.common.errors.UnknownTopicIdException.class,
                cause(() -> admin.deleteTopics(org.apache.kafka.common.TopicCollection.ofTopicIds(List.of(id))).all().get()));
    }

    @Test
    void alterTopicConfigsIncrementally() throws Exception {
        admin.createTopics(List.of(new NewTopic("altered", 1, (short) 1))).all().get();
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "altered");
        admin.incrementalAlterConfigs(Map.of(res, List.of(
                new org.apache.kafka.clients.admin.AlterConfigOp(new ConfigEntry("max.message.bytes", "5000"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET),
                new org.apache.kafka.clients.admin.AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.APPEND))))
                .all().get();
        Config config = admin.describeConfigs(List.of(res)).all().get().get(res);
        assertEquals("5000", config.get("max.message.bytes").value());
        assertEquals("delete,compact", config.get("cleanup.policy").value());
        admin.incrementalAlterConfigs(Map.of(res, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                new ConfigEntry("max.message.bytes", ""), org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE)))).all().get();
        config = admin.describeConfigs(List.of(res)).all().get().get(res);
        assertEquals("1048588", config.get("max.message.bytes").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("max.message.bytes").source());
        assertInstanceOf(InvalidConfigurationException.class, cause(() -> admin.incrementalAlterConfigs(Map.of(res, List.of(
                new org.apache.kafka.clients.admin.AlterConfigOp(new ConfigEntry("retention.ms", "soon"),
                        org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get()));
        assertInstanceOf(org.apache.kafka.common.errors.InvalidRequestException.class, cause(() -> admin.incrementalAlterConfigs(Map.of(
                new ConfigResource(ConfigResource.Type.BROKER, "1"), List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                        new ConfigEntry("num.partitions", "3"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get()));
    }

    @Test
    void deleteRecordsMovesTheLogStart() throws Exception {
        admin.createTopics(List.of(new NewTopic("purged", 1, (short) 1))).all().get();
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition("purged", 0);
        try (var p = broker.producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("purged", "k" + i, "v" + i));
            }
        }
        var result = admin.deleteRecords(Map.of(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(40))).all();
        result.get();
        assertEquals(40, admin.deleteRecords(Map.of(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(40)))
                .lowWatermarks().get(tp).get().lowWatermark());
        try (var c = broker.consumer()) {
            assertEquals(40L, c.beginningOffsets(List.of(tp)).get(tp));
            var records = Records.readAll(c, List.of(tp), 60, java.time.Duration.ofSeconds(10));
            assertEquals(60, records.size());
            assertEquals("v40", records.get(0).value());
        }
        assertInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class, cause(() -> admin.deleteRecords(Map.of(tp,
                org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(500))).all().get()));
    }

    @Test
    void listsTopicsCreatedByOthers() throws Exception {
        admin.createTopics(List.of(new NewTopic("a1", 1, (short) 1), new NewTopic("a2", 2, (short) 1))).all().get();
        Set<String> names = admin.listTopics().names().get();
        assertTrue(names.containsAll(Set.of("a1", "a2")));
    }
}
