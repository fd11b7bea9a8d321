package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

/**
 * Storage faults with a real broker process and stock clients: a full disk, a second broker on the
 * same log.dirs, kill -9 during rolls, retention and topic re-creation. Nothing acknowledged may be
 * lost, nothing deleted may come back. The full-disk test mounts a tmpfs: it needs root, as CI has.
 */
@Isolated // kills or starves brokers: timing must not depend on what runs beside it
@Timeout(180)
class StorageFaultTest {
    @TempDir
    Path dir;

    @Test
    void aSecondBrokerOnTheSameLogDirsExitsWithAMessageAndTheFirstLosesNothing() throws Exception {
        Path data = dir.resolve("data");
        try (BrokerProcess first = BrokerProcess.start(data, TestBroker.freePort(), dir.resolve("first.log"))) {
            Map<String, Long> acked = produce(first.bootstrap(), "locked", 0, 200, Map.of());
            // when
            Path secondLog = dir.resolve("second.log");
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> BrokerProcess.start(data, TestBroker.freePort(), secondLog));
            // then
            assertTrue(refused.getMessage().contains("exited with 1"), refused.getMessage());
            assertTrue(Files.readString(secondLog).contains("Failed to acquire lock on file .lock"), Files.readString(secondLog));
            acked.putAll(produce(first.bootstrap(), "locked", 200, 200, Map.of()));
            assertAllThere(first.bootstrap(), "locked", acked);
        }
    }

    @Test
    void aFullDiskRefusesWritesAndLosesNothingAcknowledged() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small"));
        mount("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", mount.toString());
        try {
            int port = TestBroker.freePort();
            Map<String, Long> acked;
            AtomicInteger failed = new AtomicInteger();
            try (BrokerProcess broker = BrokerProcess.start(mount.resolve("data"), port, dir.resolve("broker.log"))) {
                // when: an idempotent producer writes 30 MB into 12 MB
                acked = produceUntilRefused(broker.bootstrap(), "full", 30_000, failed);
                // then: it was refused rather than acknowledged, and the broker still answers
                assertTrue(failed.get() > 0, "writes past the full disk fail");
                assertTrue(acked.size() < 13_000, "acknowledged only what fits in 12 MiB: " + acked.size());
                try (Admin admin = admin(broker.bootstrap())) {
                    assertTrue(admin.listTopics().names().get(10, TimeUnit.SECONDS).contains("full"));
                }
                broker.kill9();
            }
            // when: space is added and the broker restarted
            mount("mount", "-o", "remount,size=64m", mount.toString());
            try (BrokerProcess broker = BrokerProcess.start(mount.resolve("data"), port, dir.resolve("broker.log"))) {
                // then: every acknowledged record is there, at its offset, once
                assertAllThere(broker.bootstrap(), "full", acked);
            }
        } finally {
            mount("umount", "-l", mount.toString());
        }
    }

    @Test
    void killDashNineDuringRollsRetentionAndTopicReCreationLosesNothingAndResurrectsNothing() throws Exception {
        Path data = dir.resolve("data");
        int port = TestBroker.freePort();
        Map<String, String> props = Map.of("log.segment.bytes", "1048576", "log.retention.check.interval.ms", "200",
                "file.delete.delay.ms", "100", "log.segment.delete.delay.ms", "100");
        Random random = new Random(42);
        Map<String, Long> acked = new ConcurrentHashMap<>();
        int lastGeneration = -1;
        for (int round = 0; round < 3; round++) {
            try (BrokerProcess broker = BrokerProcess.start(data, port, dir.resolve("broker.log"), props)) {
                if (round == 0) {
                    try (Admin admin = admin(broker.bootstrap())) {
                        admin.createTopics(List.of(new NewTopic("kept", 2, (short) 1),
                                new NewTopic("retained", 1, (short) 1).configs(Map.of("retention.bytes", "1048576")))).all().get();
                    }
                }
                AtomicBoolean stop = new AtomicBoolean();
                int base = round * 1_000_000;
                Thread load = new Thread(() -> {
                    KafkaProducer<String, String> producer = producer(broker.bootstrap(), Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3000,
                            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000, ProducerConfig.LINGER_MS_CONFIG, 5));
                    try {
                        for (int i = 0; !stop.get(); i++) {
                            String key = "k" + (base + i);
                            producer.send(new ProducerRecord<>("kept", key, key + "-" + "v".repeat(2000)), (md, e) -> {
                                if (e == null) {
                                    acked.put(key + "@" + md.partition(), md.offset());
                                }
                            });
                            producer.send(new ProducerRecord<>("retained", key, "r".repeat(2000)));
                        }
                    } catch (RuntimeException expectedWhenKilled) {
                        // the broker is killed under it
                    } finally {
                        producer.close(Duration.ofSeconds(5));
                    }
                });
                load.start();
                // topic churn: delete and re-create "churn", each generation writing its own records
                try (Admin admin = admin(broker.bootstrap()); KafkaProducer<String, String> producer = producer(broker.bootstrap(), Map.of())) {
                    long killAt = System.currentTimeMillis() + 2000 + random.nextInt(3000);
                    while (System.currentTimeMillis() < killAt) {
                        int generation = lastGeneration + 1;
                        try {
                            admin.deleteTopics(List.of("churn")).all().get(10, TimeUnit.SECONDS);
                        } catch (java.util.concurrent.ExecutionException notThereYet) {
                            // UnknownTopicOrPartition on the first round
                        }
                        createWhenGone(admin, "churn");
                        for (int i = 0; i < 20; i++) {
                            producer.send(new ProducerRecord<>("churn", "gen-" + generation)).get(10, TimeUnit.SECONDS);
                        }
                        lastGeneration = generation;
                    }
                }
                stop.set(true);
                broker.kill9();
                load.join(60_000);
            }
        }
        try (BrokerProcess broker = BrokerProcess.start(data, port, dir.resolve("broker.log"), props)) {
            // nothing acknowledged in "kept" is lost
            try (KafkaConsumer<String, String> consumer = TestBroker.consumer(broker.bootstrap())) {
                List<TopicPartition> partitions = Records.partitions("kept", 2);
                long total = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
                List<ConsumerRecord<String, String>> records = Records.readAll(consumer, partitions, (int) total, Duration.ofSeconds(60));
                Map<String, Long> found = new HashMap<>();
                for (ConsumerRecord<String, String> r : records) {
                    assertEquals(r.key() + "-" + "v".repeat(2000), r.value());
                    found.put(r.key() + "@" + r.partition(), r.offset());
                }
                acked.forEach((k, offset) -> assertEquals(offset, found.get(k), "acknowledged " + k));
            }
            // "churn" holds only its last generation's records: no deleted incarnation came back
            try (KafkaConsumer<String, String> consumer = TestBroker.consumer(broker.bootstrap())) {
                List<TopicPartition> partitions = Records.partitions("churn", 1);
                long end = consumer.endOffsets(partitions).get(partitions.get(0));
                List<ConsumerRecord<String, String>> records = Records.readAll(consumer, partitions, (int) end, Duration.ofSeconds(30));
                assertEquals(end, records.size());
                String last = "gen-" + lastGeneration;
                for (ConsumerRecord<String, String> r : records) {
                    assertTrue(r.value().equals(last) || r.value().equals("gen-" + (lastGeneration + 1)),
                            "only the newest generation, found " + r.value() + " after " + last);
                }
            }
            // "retained" is readable from its log start to its end
            try (KafkaConsumer<String, String> consumer = TestBroker.consumer(broker.bootstrap())) {
                List<TopicPartition> partitions = Records.partitions("retained", 1);
                long start = consumer.beginningOffsets(partitions).get(partitions.get(0));
                long end = consumer.endOffsets(partitions).get(partitions.get(0));
                List<ConsumerRecord<String, String>> records = Records.readAll(consumer, partitions, (int) (end - start), Duration.ofSeconds(30));
                assertEquals(end - start, records.size());
            }
        }
    }

    private static void createWhenGone(Admin admin, String topic) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    private static Map<String, Long> produce(String bootstrap, String topic, int from, int count, Map<String, Object> overrides) throws Exception {
        Map<String, Long> acked = new HashMap<>();
        try (KafkaProducer<String, String> producer = producer(bootstrap, overrides)) {
            for (int i = from; i < from + count; i++) {
                RecordMetadata md = producer.send(new ProducerRecord<>(topic, 0, "k" + i, "k" + i + "-value")).get(10, TimeUnit.SECONDS);
                acked.put("k" + i, md.offset());
            }
        }
        return acked;
    }

    private static Map<String, Long> produceUntilRefused(String bootstrap, String topic, int count, AtomicInteger failed) {
        Map<String, Long> acked = new ConcurrentHashMap<>();
        Map<String, Object> overrides = Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = producer(bootstrap, overrides)) {
            for (int i = 0; i < count; i++) {
                String key = "k" + i;
                producer.send(new ProducerRecord<>(topic, 0, key, key + "-" + "v".repeat(1000)), (md, e) -> {
                    if (e == null) {
                        acked.put(key, md.offset());
                    } else {
                        failed.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        return acked;
    }

    private static void assertAllThere(String bootstrap, String topic, Map<String, Long> acked) {
        try (KafkaConsumer<String, String> consumer = TestBroker.consumer(bootstrap)) {
            List<TopicPartition> partitions = Records.partitions(topic, 1);
            long end = consumer.endOffsets(partitions).get(partitions.get(0));
            assertTrue(end >= acked.size(), "end offset " + end + " below " + acked.size() + " acknowledged");
            List<ConsumerRecord<String, String>> records = Records.readAll(consumer, partitions, (int) end, Duration.ofSeconds(60));
            Map<String, Long> found = new HashMap<>();
            for (ConsumerRecord<String, String> r : records) {
                assertTrue(r.value().startsWith(r.key() + "-"), "content of " + r.key());
                assertEquals(null, found.put(r.key(), r.offset()), "no record twice: " + r.key());
            }
            acked.forEach((key, offset) -> assertEquals(offset, found.get(key), "acknowledged " + key));
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap, Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        p.putAll(overrides);
        return new KafkaProducer<>(p);
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    static void mount(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (this test needs root, as CI has): "
                    + new String(p.getInputStream().readAllBytes()));
        }
    }

}
