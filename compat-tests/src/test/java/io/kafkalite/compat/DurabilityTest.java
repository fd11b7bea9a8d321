package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Restarts, clean and with kill -9: every acknowledged record survives and offsets continue where they were. */
@Isolated // kills or starves brokers: timing must not depend on what runs beside it
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DurabilityTest {
    @TempDir
    Path dir;

    @Test
    void cleanRestartKeepsTopicsRecordsAndOffsets() throws Exception {
        try (TestBroker broker = TestBroker.start(dir)) {
            // given
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic("kept", 2, (short) 1).configs(Map.of("segment.bytes", "1048576")))).all().get();
            }
            produce(broker.bootstrap(), "kept", 0, 20_000);
            // when
            broker.restart();
            // then
            try (Admin admin = broker.admin()) {
                assertEquals(2, admin.describeTopics(List.of("kept")).allTopicNames().get().get("kept").partitions().size());
                assertEquals("1048576", admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "kept"))).all().get().values().iterator().next()
                        .get("segment.bytes").value());
            }
            Map<TopicPartition, Long> endBefore = endOffsets(broker.bootstrap(), "kept", 2);
            assertEquals(20_000L, endBefore.values().stream().mapToLong(Long::longValue).sum());
            produce(broker.bootstrap(), "kept", 20_000, 5_000);
            List<ConsumerRecord<String, String>> all;
            try (KafkaConsumer<String, String> c = broker.consumer()) {
                all = Records.readAll(c, Records.partitions("kept", 2), 25_000, Duration.ofSeconds(30));
            }
            assertEquals(25_000, all.size());
            assertContiguousAndUnique(all);
            assertTrue(dir.resolve("kept-0").toFile().list((d, n) -> n.endsWith(".log")).length > 1, "segments rolled at 1 MiB");
        }
    }

    @Test
    void killMinus9DuringProduceLosesNothingAcknowledged() throws Exception {
        int port = TestBroker.freePort();
        Path log = dir.resolve("broker.log");
        Map<TopicPartition, Map<Long, String>> acked = new ConcurrentHashMap<>();
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"), port, log)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("crash", 3, (short) 1))).all().get();
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread load = new Thread(() -> {
                try (KafkaProducer<String, String> p = producer(broker.bootstrap())) {
                    for (int i = 0; !stop.get(); i++) {
                        String value = "value-" + i;
                        p.send(new ProducerRecord<>("crash", "key-" + i, value), (RecordMetadata md, Exception e) -> {
                            if (e == null) {
                                acked.computeIfAbsent(new TopicPartition(md.topic(), md.partition()), k -> new ConcurrentHashMap<>())
                                        .put(md.offset(), value);
                            }
                        });
                    }
                    p.close(Duration.ZERO);
                }
            });
            load.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (acked.values().stream().mapToInt(Map::size).sum() < 50_000) {
                if (System.nanoTime() > deadline || !load.isAlive()) {
                    stop.set(true);
                    fail("the load acknowledged only " + acked.values().stream().mapToInt(Map::size).sum()
                            + " records in 60 s (producer thread alive: " + load.isAlive() + "); broker log: " + log);
                }
                Thread.sleep(20);
            }
            broker.kill9(); // mid-load
            stop.set(true);
            // a send to the dead broker blocks up to max.block.ms (60 s) once the buffer is full
            load.join(Duration.ofSeconds(90).toMillis());
            assertFalse(load.isAlive(), "the producer thread did not stop within 90 s of the kill");
        }
        int ackedCount = acked.values().stream().mapToInt(Map::size).sum();
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"), port, log)) {
            Map<TopicPartition, Long> ends = endOffsets(broker.bootstrap(), "crash", 3);
            int total = (int) ends.values().stream().mapToLong(Long::longValue).sum();
            assertTrue(total >= ackedCount, "log has " + total + " records, " + ackedCount + " were acknowledged");
            List<ConsumerRecord<String, String>> all;
            try (KafkaConsumer<String, String> c = TestBroker.consumer(broker.bootstrap())) {
                all = Records.readAll(c, Records.partitions("crash", 3), total, Duration.ofSeconds(60));
            }
            assertEquals(total, all.size());
            assertContiguousAndUnique(all);
            Map<TopicPartition, Map<Long, String>> read = new HashMap<>();
            all.forEach(r -> read.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new HashMap<>()).put(r.offset(), r.value()));
            acked.forEach((tp, offsets) -> offsets.forEach((offset, value) ->
                    assertEquals(value, read.get(tp).get(offset), "acknowledged record " + tp + "@" + offset)));
            // new writes continue after the recovered end
            try (KafkaProducer<String, String> p = producer(broker.bootstrap())) {
                RecordMetadata md = p.send(new ProducerRecord<>("crash", 0, "after", "restart")).get();
                assertEquals(ends.get(new TopicPartition("crash", 0)), md.offset());
            }
        }
    }

    @Test
    void committedOffsetsSurviveRestartAndKillMinus9() throws Exception {
        int port = TestBroker.freePort();
        Path log = dir.resolve("broker.log");
        TopicPartition tp = new TopicPartition("committed", 0);
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"), port, log)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("committed", 1, (short) 1))).all().get();
                produce(broker.bootstrap(), "committed", 0, 100);
                admin.alterConsumerGroupOffsets("survivor", Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(42, "before"))).all().get();
            }
            assertEquals(143, broker.terminate(), "SIGTERM ends the JVM as a signal does (128 + 15)");
            assertTrue(java.nio.file.Files.readString(log).contains("Shut down cleanly"), "the shutdown hook closed the broker");
        }
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"), port, log)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                var offsets = admin.listConsumerGroupOffsets("survivor").partitionsToOffsetAndMetadata().get();
                assertEquals(42, offsets.get(tp).offset(), "after a clean restart");
                assertEquals("before", offsets.get(tp).metadata());
                assertTrue(admin.listGroups().all().get().stream().anyMatch(g -> g.groupId().equals("survivor")), "the group is listed");
                admin.alterConsumerGroupOffsets("survivor", Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(77, "crash"))).all().get();
            }
            broker.kill9();
        }
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("data"), port, log);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            var offsets = admin.listConsumerGroupOffsets("survivor").partitionsToOffsetAndMetadata().get();
            assertEquals(77, offsets.get(tp).offset(), "an acknowledged commit survives kill -9");
            assertEquals("crash", offsets.get(tp).metadata());
        }
    }

    static KafkaProducer<String, String> producer(String bootstrap) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cfg.put(ProducerConfig.ACKS_CONFIG, "all");
        cfg.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        cfg.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class);
        cfg.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class);
        return new KafkaProducer<>(cfg);
    }

    static void produce(String bootstrap, String topic, int from, int count) throws Exception {
        try (KafkaProducer<String, String> p = producer(bootstrap)) {
            for (int i = from; i < from + count; i++) {
                p.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i + "-" + "x".repeat(200)));
            }
            p.flush();
        }
    }

    static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic, int partitions) {
        try (KafkaConsumer<String, String> c = TestBroker.consumer(bootstrap)) {
            return c.endOffsets(Records.partitions(topic, partitions));
        }
    }

    static void assertContiguousAndUnique(List<ConsumerRecord<String, String>> records) {
        Map<Integer, Long> next = new HashMap<>();
        Set<String> values = new HashSet<>();
        for (ConsumerRecord<String, String> r : records) {
            assertEquals(next.getOrDefault(r.partition(), 0L), r.offset(), "contiguous offsets");
            next.put(r.partition(), r.offset() + 1);
            assertTrue(values.add(r.value()), "duplicate " + r.value());
        }
    }
}
