package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * kafkajs (a pure-JavaScript Kafka protocol client) against the broker: {@code src/test/js/kafkajs_roundtrip.js}
 * creates topics, produces with its idempotent producer and every codec, checks end offsets and reads the
 * records back with its own Fetch; then the stock Java consumer reads the same topics and checks every
 * record, so what kafkajs wrote is proven readable by Kafka's own client too. Skipped where node or
 * {@code src/test/js/node_modules} is missing ({@code compat-tests/install-clients.sh} runs npm ci), failed
 * instead when {@code CI} is set.
 */
class KafkajsTest {
    static final List<String> CODECS = List.of("none", "gzip", "snappy", "lz4", "zstd");
    static final int RECORDS = 2000;
    static final Pattern KEY = Pattern.compile("key-(\\w+)-(\\d{5})");

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of());
    @TempDir
    static Path dir;


    /** Record i's value; keep in sync with record() in kafkajs_roundtrip.js. */
    static String expectedValue(String codec, int i) {
        return "value " + i + " of " + codec + " " + "abcdefghij".repeat(i % 40);
    }

    @Test
    void kafkajsRoundTripsEveryCodec() throws Exception {
        // given
        Path jsDir = Subprocess.moduleDir().resolve("src/test/js");
        Clients.require(Subprocess.works(List.of("node", "--version")), "node (Node 18+)", "apt packages nodejs npm");
        Clients.require(Files.isDirectory(jsDir.resolve("node_modules/kafkajs")), "kafkajs in " + jsDir + "/node_modules",
                "npm ci in src/test/js");
        // when
        Subprocess.Result run = Subprocess.run(List.of("node", "kafkajs_roundtrip.js", broker.bootstrap(), "kafkajs"),
                jsDir, null, dir, "kafkajs_roundtrip", Subprocess.TIMEOUT);
        // then
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertTrue(run.ok() && run.stdoutText().contains("5 codecs ok, 0 failed"), run::report));
        for (String codec : CODECS) {
            checks.add(() -> readBackWithJavaConsumer(codec, run));
        }
        assertAll(checks);
    }

    /** What kafkajs wrote to kafkajs-CODEC, read by the stock Java consumer: every record, intact, in order. */
    private static void readBackWithJavaConsumer(String codec, Subprocess.Result run) throws Exception {
        String topic = "kafkajs-" + codec;
        List<TopicPartition> partitions = Records.partitions(topic, 3);
        long written;
        try (Admin admin = broker.admin()) {
            Set<String> topics = admin.listTopics().names().get();
            assertTrue(topics.contains(topic), () -> "kafkajs did not create " + topic + "\n" + run.report());
            written = admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all().get().values().stream().mapToLong(r -> r.offset()).sum();
        }
        assertEquals(RECORDS, written, () -> "records kafkajs wrote to " + topic + "\n" + run.report());
        List<ConsumerRecord<String, String>> read;
        try (KafkaConsumer<String, String> consumer = broker.consumer()) {
            read = Records.readAll(consumer, partitions, RECORDS, Duration.ofSeconds(30));
        }
        assertEquals(RECORDS, read.size(), "records the Java consumer read from " + topic);
        Set<Integer> seen = new HashSet<>();
        Map<Integer, List<ConsumerRecord<String, String>>> byPartition = read.stream()
                .collect(Collectors.groupingBy(ConsumerRecord::partition));
        assertEquals(3, byPartition.size(), "partitions kafkajs wrote to in " + topic);
        byPartition.forEach((p, records) -> {
            int last = -1;
            for (int k = 0; k < records.size(); k++) {
                ConsumerRecord<String, String> r = records.get(k);
                String where = topic + "-" + p + "@" + r.offset();
                assertEquals(k, r.offset(), "offsets of " + topic + "-" + p + " are contiguous from 0");
                Matcher m = KEY.matcher(r.key() == null ? "" : r.key());
                assertTrue(m.matches() && m.group(1).equals(codec), () -> where + ": unexpected key " + r.key());
                int i = Integer.parseInt(m.group(2));
                assertEquals(expectedValue(codec, i), r.value(), where + " value");
                assertEquals(List.of("seq=" + i, "codec=" + codec), headers(r), where + " headers");
                assertTrue(seen.add(i), where + ": record " + i + " read twice");
                assertTrue(i > last, where + ": record " + i + " after record " + last + " (reordered)");
                last = i;
            }
        });
    }

    private static List<String> headers(ConsumerRecord<String, String> r) {
        List<String> result = new ArrayList<>();
        for (Header h : r.headers()) {
            result.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
        }
        return result;
    }
}
