package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * librdkafka-based clients against the broker: confluent_kafka (Python binding) through
 * {@code src/test/python/rdkafka_roundtrip.py}, and kcat, with every codec, each twice: with the librdkafka
 * Debian packages them with, and with the newest librdkafka ({@link LibrdkafkaVersion}). Skipped where a
 * client is missing ({@code compat-tests/install-clients.sh} installs them), failed instead when {@code CI}
 * is set; failed on any mismatch.
 */
class LibrdkafkaTest {
    static final String PYTHON = "/usr/bin/python3";
    static final String KCAT = "/usr/bin/kcat";
    static final int KCAT_RECORDS = 1000;
    static final Pattern ROUNDTRIP_VERSION = Pattern.compile("librdkafka (\\S+) \\(confluent_kafka");

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of());
    @TempDir
    static Path dir;


    @ParameterizedTest
    @EnumSource(LibrdkafkaVersion.class)
    void confluentKafkaRoundTripsEveryCodec(LibrdkafkaVersion lib) throws Exception {
        // given
        lib.requireConfluentKafka();
        Path script = Subprocess.moduleDir().resolve("src/test/python/rdkafka_roundtrip.py");
        String prefix = lib == LibrdkafkaVersion.DEBIAN ? "rdkafka" : "rdkafka-" + lib.id();
        // when
        Subprocess.Result run = Subprocess.run(List.of(PYTHON, script.toString(), broker.bootstrap(), prefix),
                lib.env(), null, null, dir, "rdkafka_roundtrip-" + lib.id(), Subprocess.TIMEOUT);
        // then
        assertLoaded(lib, ROUNDTRIP_VERSION, run);
        assertTrue(run.ok() && run.stdoutText().contains("5 codecs ok, 0 failed"), run::report);
    }

    /**
     * The librdkafka version the client printed (group 1 of {@code printed}) is the one {@code lib} is
     * meant to load: exactly its version, or for Debian's any but the newest build's.
     */
    static void assertLoaded(LibrdkafkaVersion lib, Pattern printed, Subprocess.Result run) throws Exception {
        Matcher m = printed.matcher(run.stdoutText());
        assertTrue(m.find(), () -> "the client did not print its librdkafka version (" + printed + ")\n" + run.report());
        if (lib.expectedVersion != null) {
            assertEquals(lib.expectedVersion, m.group(1), () -> "librdkafka the client loaded\n" + run.report());
        } else {
            assertNotEquals(LibrdkafkaVersion.NEWEST.expectedVersion, m.group(1), () -> "librdkafka the client loaded\n" + run.report());
        }
    }

    static Stream<Arguments> kcatCases() {
        return Arrays.stream(LibrdkafkaVersion.values())
                .flatMap(lib -> Stream.of("none", "gzip", "snappy", "lz4", "zstd").map(codec -> Arguments.of(lib, codec)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("kcatCases")
    void kcatRoundTrips(LibrdkafkaVersion lib, String codec) throws Exception {
        // given
        lib.requireKcat();
        Subprocess.Result version = Subprocess.run(List.of(KCAT, "-V"), lib.env(), null, null, dir, "kcat-version-" + lib.id(),
                Subprocess.TIMEOUT);
        assertTrue(version.ok(), version::report);
        assertLoaded(lib, Pattern.compile("librdkafka (\\S+) builtin"), version);
        String topic = "kcat-" + codec + "-" + lib.id();
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < KCAT_RECORDS; i++) {
            lines.add(String.format("key-%05d:value %d of %s, with a : inside %s", i, i, codec, "xyz".repeat(i % 30)));
        }
        Path input = dir.resolve(topic + ".in");
        Files.write(input, lines, StandardCharsets.UTF_8);
        // when
        Subprocess.Result produce = Subprocess.run(List.of(KCAT, "-P", "-b", broker.bootstrap(), "-t", topic, "-K:", "-z", codec,
                        "-X", "enable.idempotence=true", "-X", "acks=all"),
                lib.env(), null, input, dir, "kcat-produce-" + topic, Subprocess.TIMEOUT);
        assertTrue(produce.ok(), produce::report);
        // no -G: kcat's simple consumer, no group; -e: exit once every partition reached its end
        Subprocess.Result consume = Subprocess.run(List.of(KCAT, "-C", "-b", broker.bootstrap(), "-t", topic,
                        "-o", "beginning", "-e", "-q", "-f", "%p %o %k:%s\\n"),
                lib.env(), null, null, dir, "kcat-consume-" + topic, Subprocess.TIMEOUT);
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
