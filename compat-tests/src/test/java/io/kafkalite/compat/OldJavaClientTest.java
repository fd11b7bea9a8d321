package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An old Java consumer, kafka-clients 2.8.2, in a consumer group: {@code src/test/old-client/OldClient.java}
 * run by Java's single-file source launcher with only the old jars on its classpath (kafka-clients 2.8.2,
 * lz4-java, snappy-java, zstd-jni, slf4j-api, copied from Maven by {@code src/test/old-client/pom.xml}).
 * A first run reads 200 of the records and commits exactly what it processed (and reads its commits back
 * with {@code committed()} and the old Admin); a second run of the same group resumes from those offsets
 * and reads the rest, including records produced in between: together exactly every record, once.
 * Skipped without mvn (failed instead when {@code CI} is set); failed when mvn cannot obtain the old jars
 * (offline without them in ~/.m2: {@code install-clients.sh} puts them there).
 */
class OldJavaClientTest {
    static final String VERSION = "2.8.2";
    static final List<String> JARS = List.of("kafka-clients-2.8.2.jar", "lz4-java-1.7.1.jar", "snappy-java-1.1.8.1.jar",
            "zstd-jni-1.4.9-1.jar", "slf4j-api-1.7.30.jar");
    static final int PARTITIONS = 3;

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    static Path dir;


    /**
     * The old jars in compat-tests/target/old-client/lib (copied there from ~/.m2 or Maven Central); skips without
     * mvn (fails under CI), fails when mvn cannot get them.
     */
    static Path oldJars() throws Exception {
        Path module = Subprocess.moduleDir();
        Path lib = module.resolve("target/old-client/lib");
        Clients.require(Subprocess.works(List.of("mvn", "-v")), "mvn (to fetch kafka-clients " + VERSION + ")", "apt package maven");
        Subprocess.Result copy = Subprocess.run(List.of("mvn", "-q", "-B", "-f", module.resolve("src/test/old-client/pom.xml").toString(),
                        "dependency:copy-dependencies", "-DoutputDirectory=" + lib),
                module, null, dir, "old-client-mvn", Duration.ofSeconds(180));
        // mvn is there: any failure now (offline without the jars in ~/.m2, a broken pom) is a failure, not a skip
        assertTrue(copy.ok(), () -> "could not obtain kafka-clients " + VERSION + " and its dependencies (offline? `"
                + Clients.INSTALL + "` puts them into ~/.m2):\n" + copy.report());
        Set<String> present;
        try (Stream<Path> files = Files.list(lib)) {
            present = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        assertEquals(new HashSet<>(JARS), present, "jars copied to " + lib);
        return lib;
    }

    /** One run of OldClient.java: {@code max} records or "all". */
    static Run oldClient(Path lib, String topic, String group, String max, String name) throws Exception {
        String classpath = JARS.stream().map(j -> lib.resolve(j).toString()).collect(Collectors.joining(":"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path source = Subprocess.moduleDir().resolve("src/test/old-client/OldClient.java");
        Subprocess.Result r = Subprocess.run(List.of(java.toString(), "-cp", classpath, source.toString(), broker.bootstrap(), topic, group, max),
                null, null, dir, name, Subprocess.TIMEOUT);
        assertTrue(r.ok() && r.stdoutText().contains("\nDONE "), r::report);
        return Run.parse(r);
    }

    /** What a run printed: version, committed offsets before and after, and the records it read. */
    record Run(Subprocess.Result result, String version, Map<Integer, Long> start, Map<Integer, Long> committed, List<String> reads) {
        static Run parse(Subprocess.Result result) throws IOException {
            String version = null;
            Map<Integer, Long> start = new TreeMap<>();
            Map<Integer, Long> committed = new TreeMap<>();
            List<String> reads = new ArrayList<>();
            for (String line : result.stdoutText().lines().toList()) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "VERSION" -> version = f[1];
                    case "START" -> start.put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
                    case "COMMITTED" -> committed.put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
                    case "READ" -> reads.add(f[1] + " " + f[2] + " " + f[3]);
                    default -> { }
                }
            }
            return new Run(result, version, start, committed, reads);
        }

        /** The next offset to read per partition, from the records read; partitions not read are absent. */
        Map<Integer, Long> nextOffsets() {
            Map<Integer, Long> next = new TreeMap<>();
            for (String r : reads) {
                String[] f = r.split(" ");
                next.merge(Integer.parseInt(f[0]), Long.parseLong(f[1]) + 1, Math::max);
            }
            return next;
        }
    }

    /** "partition offset value" of record i, as produced below. */
    static String expected(String topic, int i) {
        return (i % PARTITIONS) + " " + (i / PARTITIONS) + " " + topic + "-" + i;
    }

    static void produce(String topic, int from, int to) throws Exception {
        // one record per batch (each send awaited), so that a fetch of a partition returns some of its records, not all
        try (KafkaProducer<String, String> p = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
            for (int i = from; i < to; i++) {
                p.send(new ProducerRecord<>(topic, i % PARTITIONS, "key-" + i, topic + "-" + i)).get();
            }
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES) // above its own limits: mvn 180 s, then two runs of up to 120 s each
    void oldConsumerCommitsAndASecondRunResumes() throws Exception {
        // given
        Path lib = oldJars();
        String topic = "old-client";
        String group = "old-client-g";
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        produce(topic, 0, 600);
        // when: a first run processes and commits 200 records
        Run first = oldClient(lib, topic, group, "200", "old-client-1");
        // then
        assertEquals(VERSION, first.version(), first.result()::report);
        assertEquals(Map.of(0, -1L, 1, -1L, 2, -1L), first.start(), () -> "committed offsets before the first run\n" + first.result().report());
        assertEquals(200, first.reads().size(), first.result()::report);
        assertEquals(200, new HashSet<>(first.reads()).size(), "records the first run read twice\n" + first.result().report());
        // per partition a prefix: offsets 0..next-1, each the record produced there
        Map<Integer, Long> next = first.nextOffsets();
        List<String> prefixes = new ArrayList<>();
        next.forEach((p, n) -> IntStream.range(0, n.intValue()).forEach(o -> prefixes.add(expected(topic, o * PARTITIONS + p))));
        assertEquals(prefixes.stream().sorted().toList(), first.reads().stream().sorted().toList(), first.result()::report);
        assertEquals(next, first.committed(), () -> "offsets the first run committed\n" + first.result().report());
        assertTrue(next.size() > 1, () -> "the first run read from one partition only\n" + first.result().report());
        try (Admin admin = broker.admin()) {
            assertEquals(next, committed(admin, group), "committed offsets as the stock Admin sees them after the first run");
        }

        // when: more records, then a second run of the same group reads to the end
        produce(topic, 600, 900);
        Run second = oldClient(lib, topic, group, "all", "old-client-2");
        // then: it started at the first run's commits and read exactly the rest
        Map<Integer, Long> expectedStart = new TreeMap<>(Map.of(0, -1L, 1, -1L, 2, -1L));
        expectedStart.putAll(next);
        assertEquals(expectedStart, second.start(), () -> "committed offsets before the second run\n" + second.result().report());
        Set<String> both = new HashSet<>(first.reads());
        List<String> again = second.reads().stream().filter(both::contains).toList();
        assertEquals(List.of(), again, "records the second run read although the first had committed them");
        both.addAll(second.reads());
        assertEquals(900, first.reads().size() + second.reads().size(), second.result()::report);
        assertEquals(IntStream.range(0, 900).mapToObj(i -> expected(topic, i)).collect(Collectors.toSet()), both,
                "records read by the two runs together");
        Map<Integer, Long> ends = Map.of(0, 300L, 1, 300L, 2, 300L);
        assertEquals(ends, second.committed(), () -> "offsets the second run committed\n" + second.result().report());
        try (Admin admin = broker.admin()) {
            assertEquals(ends, committed(admin, group), "committed offsets as the stock Admin sees them after the second run");
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
            assertEquals(GroupState.EMPTY, d.groupState(), () -> "the old consumer left the group: " + d);
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void oldTransactionalProducerUsesTheOriginalProtocol() throws Exception {
        Path lib = oldJars();
        String topic = "old-txn";
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        String classpath = JARS.stream().map(j -> lib.resolve(j).toString()).collect(Collectors.joining(":"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path source = Subprocess.moduleDir().resolve("src/test/old-client/OldTxnProducer.java");
        Subprocess.Result r = Subprocess.run(List.of(java.toString(), "-cp", classpath, source.toString(), broker.bootstrap(), topic,
                "old-txn-group"), null, null, dir, "old-txn-producer", Subprocess.TIMEOUT);
        assertTrue(r.ok() && r.stdoutText().contains("VERSION " + VERSION) && r.stdoutText().contains("DONE"), r::report);
        assertEquals(List.of("committed-0", "committed-1", "committed-2", "offsets-0", "offsets-1", "offsets-2"),
                Records.values(broker.bootstrap(), topic, PARTITIONS, "read_committed"));
        assertEquals(9, Records.values(broker.bootstrap(), topic, PARTITIONS, "read_uncommitted").size());
        try (Admin admin = broker.admin()) {
            assertEquals(Map.of(0, 5L), committed(admin, "old-txn-group"), "the offsets committed in the transaction");
        }
    }

    static Map<Integer, Long> committed(Admin admin, String group) throws Exception {
        return new TreeMap<>(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset())));
    }
}
