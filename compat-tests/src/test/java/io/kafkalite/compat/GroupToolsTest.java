package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Kafka's consumer-groups CLI, console consumer (in a group) and ConsumerPerformance against the broker. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GroupToolsTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("cli", 2, (short) 1), new NewTopic("perf", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int i = 0; i < 1000; i++) {
                p.send(new ProducerRecord<>("cli", i % 2, "k" + i, "v" + i));
                p.send(new ProducerRecord<>("perf", "k" + i, "x".repeat(100)));
            }
        }
    }


    static Tools.Result groups(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("--bootstrap-server", broker.bootstrap()));
        all.addAll(List.of(args));
        return Tools.run(dir, "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", all);
    }

    /** Consumes n records of "cli" in group "cli-group" and commits, then leaves. */
    static void consumeAndCommit(int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "cli-group");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of("cli"));
            int read = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            while (read < n && System.currentTimeMillis() < deadline) {
                read += c.poll(Duration.ofMillis(200)).count();
            }
            // commit exactly 300 per partition so the lag is known
            c.commitSync(Map.of(new TopicPartition("cli", 0), new OffsetAndMetadata(300, "meta-0"),
                    new TopicPartition("cli", 1), new OffsetAndMetadata(300, "meta-1")));
        }
    }

    @Test
    void listDescribeResetAndDelete() throws Exception {
        // given
        consumeAndCommit(1000);
        // when / then: --list
        Tools.Result list = groups("--list");
        assertEquals(0, list.exitCode(), list.stderr());
        assertEquals(1, list.stdout().lines().filter("cli-group"::equals).count(), "listed once: " + list.stdout());
        // --describe: offsets and lag per partition
        Tools.Result describe = groups("--describe", "--group", "cli-group");
        assertEquals(0, describe.exitCode(), describe.stderr());
        List<String> rows = describe.stdout().lines().filter(l -> l.startsWith("cli-group ")).toList();
        assertEquals(2, rows.size(), "one row per partition, no duplicates: " + describe.stdout());
        for (int partition = 0; partition < 2; partition++) {
            Matcher m = Pattern.compile("cli-group\\s+cli\\s+" + partition + "\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)").matcher(rows.get(partition));
            assertTrue(m.find(), describe.stdout());
            assertEquals("300", m.group(1), "current offset");
            assertEquals("500", m.group(2), "log end offset");
            assertEquals("200", m.group(3), "lag");
        }
        // --reset-offsets --to-earliest --execute
        Tools.Result reset = groups("--reset-offsets", "--group", "cli-group", "--topic", "cli", "--to-earliest", "--execute");
        assertEquals(0, reset.exitCode(), reset.stderr());
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("cli-group").partitionsToOffsetAndMetadata().get();
            assertEquals(Map.of(new TopicPartition("cli", 0), 0L, new TopicPartition("cli", 1), 0L),
                    offsets.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())),
                    "exactly the two partitions, reset to 0");
        }
        // --delete
        Tools.Result delete = groups("--delete", "--group", "cli-group");
        assertEquals(0, delete.exitCode(), delete.stderr());
        assertFalse(groups("--list").stdout().lines().anyMatch("cli-group"::equals));
    }

    @Test
    void consoleConsumerInARandomGroupReadsToTheEnd() throws Exception {
        Tools.Result r = Tools.run(dir, "org.apache.kafka.tools.consumer.ConsoleConsumer", List.of("--bootstrap-server", broker.bootstrap(),
                "--topic", "cli", "--from-beginning", "--max-messages", "1000", "--timeout-ms", "60000"));
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> values = r.stdout().lines().filter(l -> l.startsWith("v")).toList();
        assertEquals(1000, values.size(), r.stdout());
        assertEquals(java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "v" + i).collect(java.util.stream.Collectors.toSet()),
                java.util.Set.copyOf(values), "every record once, with its value");
    }

    @Test
    void consumerPerformanceReadsEverything() throws Exception {
        Tools.Result r = Tools.run(dir, "org.apache.kafka.tools.ConsumerPerformance", List.of("--bootstrap-server", broker.bootstrap(),
                "--topic", "perf", "--messages", "1000", "--timeout", "60000", "--group", "perf-group"));
        assertEquals(0, r.exitCode(), r.stderr());
        String[] row = r.stdout().lines().filter(l -> l.matches("^\\d{4}-.*")).reduce((a, b) -> b).orElseThrow().split(",\\s*");
        assertEquals("1000", row[4].trim(), "nMsg.consumed: " + r.stdout());
        try (Admin admin = broker.admin()) {
            assertEquals(Map.of(new TopicPartition("perf", 0), 1000L), admin.listConsumerGroupOffsets("perf-group").partitionsToOffsetAndMetadata()
                    .get().entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())),
                    "the group committed exactly to the end");
        }
    }
}
