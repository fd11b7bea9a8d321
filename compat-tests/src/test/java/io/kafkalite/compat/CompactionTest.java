package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log compaction seen by stock clients: the latest value per key at its original offset, tombstones gone
 * after delete.retention.ms, less disk, ListOffsets by time still right, nothing lost to a kill -9 during
 * cleaning, aborted transactions removed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CompactionTest {
    private static final String TOPIC = "compacted";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final Map<String, String> TOPIC_CONFIG = Map.of("cleanup.policy", "compact", "segment.bytes", "1048576",
            "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "1000", "file.delete.delay.ms", "1000");
    private static final String PAD = "p".repeat(40);

    @TempDir
    Path dir;

    @Test
    void aConsumerFromTheBeginningSeesTheLatestValuePerKeyAtItsOffset() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, Map.of("log.cleaner.backoff.ms", "100"));
             Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(TOPIC_CONFIG))).all().get();
            long t0 = System.currentTimeMillis() - 600_000;
            Map<String, String> expected = new ConcurrentHashMap<>();
            try (KafkaProducer<String, String> p = producer(broker.bootstrap())) {
                for (int i = 0; i < 200_000; i++) {
                    send(p, expected, "key-" + (i % 2000), "v" + i + PAD, t0 + i);
                }
                for (int k = 0; k < 500; k++) {
                    send(p, expected, "key-" + k, null, t0 + 200_000 + k);
                }
                p.flush();
            }
            long before = logBytes(dir.resolve("compacted-0"));
            // more data rolls the tombstones into cleanable segments; once their horizon passed, a later pass removes them
            long deadline = System.currentTimeMillis() + 60_000;
            List<ConsumerRecord<String, String>> all;
            int round = 0;
            do {
                try (KafkaProducer<String, String> p = producer(broker.bootstrap())) {
                    for (int i = 0; i < 12_000; i++) {
                        send(p, expected, "filler-" + (i % 10), "f" + round + "-" + i + "x".repeat(60), System.currentTimeMillis());
                    }
                    p.flush();
                }
                round++;
                Thread.sleep(1200); // past delete.retention.ms
                all = readAll(broker.bootstrap(), "read_uncommitted");
            } while (!compacted(all) && System.currentTimeMillis() < deadline);

            Map<String, String> seen = new HashMap<>();
            Map<String, Integer> copies = new HashMap<>();
            for (ConsumerRecord<String, String> r : all) {
                seen.put(r.key(), r.offset() + ":" + r.value());
                copies.merge(r.key(), 1, Integer::sum);
            }
            expected.values().removeIf(v -> v.endsWith(":null"));
            assertEquals(expected, seen, "the latest value of every key at the offset it was written at, no deleted key");
            for (int k = 500; k < 2000; k++) {
                assertEquals(1, copies.get("key-" + k), "key-" + k + " was compacted to one record");
            }
            long after = logBytes(dir.resolve("compacted-0"));
            assertTrue(after < before / 2, "disk use fell from " + before + " to " + after + " bytes");

            for (long target : new long[] {t0, t0 + 150_000, t0 + 199_999}) {
                long first = all.stream().filter(r -> r.timestamp() >= target).mapToLong(ConsumerRecord::offset).min().orElseThrow();
                long answered = admin.listOffsets(Map.of(TP, OffsetSpec.forTimestamp(target))).all().get().get(TP).offset();
                assertEquals(first, answered, "ListOffsets by timestamp " + (target - t0) + " after cleaning");
            }
        }
    }

    @Test
    void killMinus9DuringCleaningLosesNothing() throws Exception {
        int port = TestBroker.freePort();
        Path log = dir.resolve("broker.log");
        Path data = dir.resolve("data");
        Map<String, String> expected = new ConcurrentHashMap<>();
        try (BrokerProcess broker = BrokerProcess.start(data, port, log, Map.of("log.cleaner.backoff.ms", "100",
                "log.cleaner.io.max.bytes.per.second", "2000000"))) { // slow cleaning: the kill lands in the middle
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(TOPIC_CONFIG))).all().get();
            }
            try (KafkaProducer<String, String> p = producer(broker.bootstrap())) {
                for (int i = 0; i < 100_000; i++) {
                    send(p, expected, "key-" + (i % 2000), "v" + i + PAD, System.currentTimeMillis());
                }
                p.flush();
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (!hasFile(data.resolve("compacted-0"), ".cleaned")) {
                assertTrue(System.currentTimeMillis() < deadline, "no cleaning started within 60 s; broker log: " + log);
                Thread.sleep(5);
            }
            broker.kill9();
        }
        try (BrokerProcess broker = BrokerProcess.start(data, port, log, Map.of("log.cleaner.enable", "false"))) {
            assertFalse(hasFile(data.resolve("compacted-0"), ".cleaned"), "a half-written cleaned segment was discarded");
            assertFalse(hasFile(data.resolve("compacted-0"), ".swap"), "no swap is left half done");
            assertEquals(expected, latest(readAll(broker.bootstrap(), "read_uncommitted")), "right after the restart");
            broker.kill9();
        }
        try (BrokerProcess broker = BrokerProcess.start(data, port, log, Map.of("log.cleaner.backoff.ms", "100"))) {
            try (KafkaProducer<String, String> p = producer(broker.bootstrap())) { // more dirt: cleaning goes on
                for (int i = 0; i < 20_000; i++) {
                    send(p, expected, "filler-" + (i % 10), "f" + i + PAD, System.currentTimeMillis());
                }
                p.flush();
            }
            long deadline = System.currentTimeMillis() + 60_000;
            List<ConsumerRecord<String, String>> all;
            do {
                Thread.sleep(200);
                all = readAll(broker.bootstrap(), "read_uncommitted");
            } while (!compacted(all) && System.currentTimeMillis() < deadline);
            assertEquals(expected, latest(all), "after cleaning finished");
            assertTrue(compacted(all), "the restarted broker went on cleaning");
        }
    }

    @Test
    void abortedRecordsDisappearAndCommittedOnesRemain() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, Map.of("log.cleaner.backoff.ms", "100"));
             Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(TOPIC_CONFIG))).all().get();
            Map<String, String> expected = new ConcurrentHashMap<>();
            try (KafkaProducer<String, String> p = broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "compacting"))) {
                p.initTransactions();
                p.beginTransaction();
                for (int k = 0; k < 100; k++) {
                    send(p, expected, "t-" + k, "committed", System.currentTimeMillis());
                }
                p.commitTransaction();
                p.beginTransaction();
                for (int k = 0; k < 200; k++) {
                    p.send(new ProducerRecord<>(TOPIC, "t-" + k, "aborted"));
                }
                p.flush();
                p.abortTransaction();
                for (int round = 0; round < 3; round++) { // rolls segments so the aborted ones become cleanable
                    p.beginTransaction();
                    for (int i = 0; i < 4000; i++) {
                        send(p, expected, "filler-" + (i % 10), "f" + round + "-" + i + "x".repeat(300), System.currentTimeMillis());
                    }
                    p.commitTransaction();
                }
                long deadline = System.currentTimeMillis() + 60_000;
                List<ConsumerRecord<String, String>> uncommitted;
                do {
                    Thread.sleep(200);
                    uncommitted = readAll(broker.bootstrap(), "read_uncommitted");
                } while (uncommitted.stream().anyMatch(r -> r.value().equals("aborted")) && System.currentTimeMillis() < deadline);
                assertTrue(uncommitted.stream().noneMatch(r -> r.value().equals("aborted")), "aborted records were cleaned away");
                assertEquals(expected, latest(uncommitted));
                assertEquals(expected, latest(readAll(broker.bootstrap(), "read_committed")));
                p.beginTransaction(); // the producer's state survived the cleaning
                send(p, expected, "t-0", "after cleaning", System.currentTimeMillis());
                p.commitTransaction();
                // later passes drop the ABORT marker after its horizon; the aborted transaction's index row must go
                // with its data, or later passes and read_committed fetches treat the producer's commits as aborted
                for (int round = 0; round < 5; round++) {
                    Thread.sleep(1200); // past delete.retention.ms
                    p.beginTransaction();
                    send(p, expected, "after-" + round, "committed", System.currentTimeMillis());
                    for (int i = 0; i < 4000; i++) {
                        send(p, expected, "filler-" + (i % 10), "g" + round + "-" + i + "x".repeat(300), System.currentTimeMillis());
                    }
                    p.commitTransaction();
                }
                Thread.sleep(2000);
            }
            assertEquals(expected, latest(readAll(broker.bootstrap(), "read_uncommitted")), "no committed record was cleaned away");
            assertEquals(expected, latest(readAll(broker.bootstrap(), "read_committed")));
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cfg.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        cfg.put(ProducerConfig.BATCH_SIZE_CONFIG, 65536);
        return new KafkaProducer<>(cfg, new StringSerializer(), new StringSerializer());
    }

    /** Sends, recording key -> "offset:value" of the acknowledged write (callbacks of one partition run in order). */
    private static void send(KafkaProducer<String, String> p, Map<String, String> expected, String key, String value, long timestamp) {
        p.send(new ProducerRecord<>(TOPIC, 0, timestamp, key, value), (md, e) -> {
            if (e == null) {
                expected.put(key, md.offset() + ":" + value);
            }
        });
    }

    private static List<ConsumerRecord<String, String>> readAll(String bootstrap, String isolation) {
        Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cfg, new StringDeserializer(), new StringDeserializer())) {
            return Records.readToEnd(c, List.of(TP), Duration.ofSeconds(30));
        }
    }

    /** key -> "offset:value" of its last record; a tombstone removes the key. */
    private static Map<String, String> latest(List<ConsumerRecord<String, String>> records) {
        Map<String, String> latest = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            latest.put(r.key(), r.offset() + ":" + r.value());
        }
        latest.values().removeIf(v -> v.endsWith(":null"));
        return latest;
    }

    /** Whether no key-* appears twice and no tombstone is left. */
    private static boolean compacted(List<ConsumerRecord<String, String>> records) {
        Map<String, Integer> copies = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            if (r.value() == null) {
                return false;
            }
            if (r.key().startsWith("key-") && copies.merge(r.key(), 1, Integer::sum) > 1) {
                return false;
            }
        }
        return true;
    }

    private static long logBytes(Path partitionDir) throws Exception {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> f.toString().endsWith(".log")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static boolean hasFile(Path partitionDir, String suffix) throws Exception {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.anyMatch(f -> f.toString().endsWith(suffix));
        }
    }
}
