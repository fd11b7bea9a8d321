package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * librdkafka consumers (confluent_kafka, {@code src/test/python/rdkafka_group.py}) in a consumer group, with
 * the eager {@code range} and the incremental {@code cooperative-sticky} assignors: two members split a
 * 4-partition topic 2/2, one leaves and the other takes everything back, a third resumes from the committed
 * offsets; every record is read exactly once (the script checks, see its docstring). Then the stock Java
 * Admin and consumer cross-check what the script left: the group is Empty, its committed offsets are the
 * end offsets, and the topic holds exactly the records the script counted. Each case runs with the librdkafka
 * Debian packages confluent_kafka with and with the newest one ({@link LibrdkafkaVersion}). Skipped without
 * {@code /usr/bin/python3}, confluent_kafka or the newest librdkafka build ({@code compat-tests/install-clients.sh}),
 * failed instead when {@code CI} is set.
 */
@Isolated // rebalances raced by the clients' own timers: run alone, as before parallel classes
class LibrdkafkaGroupTest {
    static final Pattern TOTAL = Pattern.compile("TOTAL (\\d+) records");
    static final Pattern VERSION = Pattern.compile("librdkafka (\\S+), confluent_kafka");

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    static Path dir;


    static Stream<Arguments> cases() {
        return Arrays.stream(LibrdkafkaVersion.values())
                .flatMap(lib -> Stream.of("range", "cooperative-sticky").map(assignor -> Arguments.of(lib, assignor)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void confluentKafkaConsumersShareAGroup(LibrdkafkaVersion lib, String assignor) throws Exception {
        // given
        lib.requireConfluentKafka();
        Path script = Subprocess.moduleDir().resolve("src/test/python/rdkafka_group.py");
        String topic = "rdkafka-group-" + assignor + "-" + lib.id();
        String group = "rdkafka-g-" + assignor + "-" + lib.id();
        // when
        Subprocess.Result run = Subprocess.run(List.of(LibrdkafkaTest.PYTHON, script.toString(), broker.bootstrap(), topic, group, assignor),
                lib.env(), null, null, dir, "rdkafka_group-" + assignor + "-" + lib.id(), Subprocess.TIMEOUT);
        // then
        LibrdkafkaTest.assertLoaded(lib, VERSION, run);
        assertTrue(run.ok() && run.stdoutText().contains("rdkafka group ok"), run::report);
        Matcher total = TOTAL.matcher(run.stdoutText());
        assertTrue(total.find(), run::report);
        verifyGroupReadEverything(broker, topic, 4, group, Integer.parseInt(total.group(1)), run);
    }

    /**
     * Checks with the stock Java clients that {@code group} is Empty (every member left) and committed the end
     * offset of each partition of {@code topic}, and that the topic holds exactly {@code total} records,
     * "TOPIC-i" for i in 0..total-1, at partition i % partitions, offset i / partitions (as the scripts produce
     * them). Shared with {@link KafkajsGroupTest}.
     */
    static void verifyGroupReadEverything(TestBroker broker, String topic, int partitions, String group, int total,
                                          Subprocess.Result run) throws Exception {
        List<TopicPartition> tps = Records.partitions(topic, partitions);
        try (Admin admin = broker.admin()) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
            assertEquals(GroupState.EMPTY, d.groupState(), () -> "state of " + group + ": " + d + "\n" + run.report());
            assertEquals(List.of(), List.copyOf(d.members()), "members of " + group);
            Map<TopicPartition, Long> ends = admin.listOffsets(tps.stream().collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest())))
                    .all().get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            Map<TopicPartition, Long> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            assertEquals(ends, committed, () -> "committed offsets of " + group + " (OffsetFetch) vs end offsets\n" + run.report());
            assertEquals(total, ends.values().stream().mapToLong(Long::longValue).sum(), "records in " + topic);
        }
        List<ConsumerRecord<String, String>> read;
        try (KafkaConsumer<String, String> consumer = broker.consumer()) {
            read = Records.readAll(consumer, tps, total, Duration.ofSeconds(30));
        }
        Set<String> values = new HashSet<>();
        List<String> misplaced = new ArrayList<>();
        for (ConsumerRecord<String, String> r : read) {
            values.add(r.value());
            int i = Integer.parseInt(r.value().substring(topic.length() + 1));
            if (!r.value().equals(topic + "-" + i) || r.partition() != i % partitions || r.offset() != i / partitions) {
                misplaced.add(r.value() + "@" + r.partition() + ":" + r.offset());
            }
        }
        assertEquals(total, read.size(), "records the Java consumer read back from " + topic);
        assertEquals(total, values.size(), "distinct values in " + topic);
        assertEquals(List.of(), misplaced, "records not at partition i % " + partitions + ", offset i / " + partitions);
    }
}
