package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * librdkafka-based clients against the broker: confluent_kafka (Python binding) through
 * {@code src/test/python/rdkafka_roundtrip.py}, and kcat, with every codec. Skipped where the client is
 * not installed ({@code compat-tests/install-clients.sh} installs them); failed on any mismatch.
 */
class LibrdkafkaTest {
    static final String PYTHON = "/usr/bin/python3";
    static final String KCAT = "/usr/bin/kcat";
    static final int KCAT_RECORDS = 1000;

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of());
    @TempDir
    static Path dir;


    @Test
    void confluentKafkaRoundTripsEveryCodec() throws Exception {
        // given
        assumeTrue(Subprocess.works(List.of(PYTHON, "-c", "import confluent_kafka")),
                PYTHON + " cannot import confluent_kafka: run compat-tests/install-clients.sh (apt package python3-confluent-kafka)");
        Path script = Subprocess.moduleDir().resolve("src/test/python/rdkafka_roundtrip.py");
        // when
        Subprocess.Result run = Subprocess.run(List.of(PYTHON, script.toString(), broker.bootstrap(), "rdkafka"),
                null, null, dir, "rdkafka_roundtrip", Subprocess.TIMEOUT);
        // then
        assertTrue(run.ok() && run.stdoutText().contains("5 codecs ok, 0 failed"), run::report);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void kcatRoundTrips(String codec) throws Exception {
        // given
        assumeTrue(Files.isExecutable(Path.of(KCAT)), KCAT + " is not installed: run compat-tests/install-clients.sh (apt package kcat)");
        String topic = "kcat-" + codec;
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < KCAT_RECORDS; i++) {
            lines.add(String.format("key-%05d:value %d of %s, with a : inside %s", i, i, codec, "xyz".repeat(i % 30)));
        }
        Path input = dir.resolve("kcat-" + codec + ".in");
        Files.write(input, lines, StandardCharsets.UTF_8);
        // when
        Subprocess.Result produce = Subprocess.run(List.of(KCAT, "-P", "-b", broker.bootstrap(), "-t", topic, "-K:", "-z", codec,
                        "-X", "enable.idempotence=true", "-X", "acks=all"),
                null, input, dir, "kcat-produce-" + codec, Subprocess.TIMEOUT);
        assertTrue(produce.ok(), produce::report);
        // no -G: kcat's simple consumer, no group; -e: exit once every partition reached its end
        Subprocess.Result consume = Subprocess.run(List.of(KCAT, "-C", "-b", broker.bootstrap(), "-t", topic,
                        "-o", "beginning", "-e", "-q", "-f", "%p %o %k:%s\\n"),
                null, null, dir, "kcat-consume-" + codec, Subprocess.TIMEOUT);
        // then
        assertTrue(consume.ok(), consume::report);
        List<String> got = new ArrayList<>();
        Map<Integer, List<Long>> offsets = new TreeMap<>();
        for (String line : consume.stdoutText().lines().toList()) {
            String[] parts = line.split(" ", 3);
            offsets.computeIfAbsent(Integer.parseInt(parts[0]), p -> new ArrayList<>()).add(Long.parseLong(parts[1]));
            got.add(parts[2]);
        }
        assertEquals(lines, got.stream().sorted().toList(), () -> "records read back differ\n" + consume.report());
        offsets.forEach((p, list) -> assertEquals(
                java.util.stream.LongStream.range(0, list.size()).boxed().toList(), list, "offsets of partition " + p));
        assertEquals(3, offsets.size(), () -> "records in every partition: " + offsets.keySet());
    }
}
