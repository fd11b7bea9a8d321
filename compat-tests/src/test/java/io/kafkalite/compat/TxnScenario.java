package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The transactions {@link LibrdkafkaTransactionsTest} and {@link KafkajsTransactionsTest} have an external
 * client write or read ({@code src/test/python/rdkafka_txn.py}, {@code src/test/js/kafkajs_txn.js}), and the
 * stock Java clients on the other side.
 * <p>
 * The scenario, on a fresh 3-partition topic: one transaction writes {@link #PER_PARTITION} records
 * "committed-P-I" (key "k-P-I") to each partition P and commits, then another writes "aborted-P-I" and aborts.
 * As in Kafka, each transaction's end takes one offset per partition for its marker: the committed records
 * are at offsets 0..N-1, the commit marker at N, the aborted records at N+1..2N, the abort marker at 2N+1, so
 * every partition ends at {@link #END}, both its high watermark and its last stable offset.
 * <p>
 * The read-process-write case: {@link #RPW_INPUT} records "in-I" (key "k-I") in partition I % 3 of an input
 * topic; the client writes "out-in-I" to the same partition of an output topic with the input offsets in the
 * same transaction, the first batch once aborted and then again committed (see the scripts).
 */
final class TxnScenario {
    static final int PARTITIONS = 3;
    static final int PER_PARTITION = 5;
    static final long END = 2L * PER_PARTITION + 2;
    static final long OPEN_LSO = PER_PARTITION + 1;
    static final long OPEN_HIGH = 2L * PER_PARTITION + 1;
    static final int RPW_INPUT = 300;
    static final Duration WAIT = Duration.ofSeconds(30);
    static final Pattern RECORD = Pattern.compile("^RECORD (\\d+) (\\d+) (\\S+) (.*)$", Pattern.MULTILINE);
    static final Pattern ABORTED = Pattern.compile("^ABORTED (\\d+)$", Pattern.MULTILINE);

    private TxnScenario() { }

    /** A record as the scripts print it ("RECORD P OFFSET KEY VALUE") and the checks compare it. */
    record Rec(int partition, long offset, String key, String value) {
        static final Comparator<Rec> ORDER = Comparator.comparingInt(Rec::partition).thenComparingLong(Rec::offset);

        @Override
        public String toString() {
            return partition + "@" + offset + " " + key + "=" + value;
        }
    }

    /** The records of the scenario's committed or aborted transaction, at the offsets they must have. */
    static List<Rec> transaction(boolean committed) {
        List<Rec> result = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < PER_PARTITION; i++) {
                result.add(new Rec(p, (committed ? 0 : PER_PARTITION + 1) + i, "k-" + p + "-" + i,
                        (committed ? "committed-" : "aborted-") + p + "-" + i));
            }
        }
        return result;
    }

    /** What a consumer at {@code isolation} must read of the scenario, in partition and offset order. */
    static List<Rec> expected(IsolationLevel isolation) {
        List<Rec> result = new ArrayList<>(transaction(true));
        if (isolation == IsolationLevel.READ_UNCOMMITTED) {
            result.addAll(transaction(false));
        }
        result.sort(Rec.ORDER);
        return result;
    }

    static void createTopics(TestBroker broker, String... topics) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(Arrays.stream(topics).map(t -> new NewTopic(t, PARTITIONS, (short) 1)).toList()).all().get();
        }
    }

    /**
     * Writes the scenario with the stock Java transactional producer, every record acknowledged, but leaves the
     * second transaction open: the caller aborts it ({@code abortTransaction()}) and closes the producer. While it
     * is open, every partition's last stable offset is {@link #OPEN_LSO} (the open transaction's first offset)
     * and its high watermark {@link #OPEN_HIGH}.
     */
    static KafkaProducer<String, String> writeWithJavaLeavingOpen(TestBroker broker, String topic, String transactionalId)
            throws Exception {
        KafkaProducer<String, String> producer = broker.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId, ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) WAIT.toMillis()));
        producer.initTransactions();
        for (boolean committed : new boolean[] {true, false}) {
            producer.beginTransaction();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Rec r : transaction(committed)) {
                sent.add(producer.send(new ProducerRecord<>(topic, r.partition(), r.key(), r.value())));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
            if (committed) {
                producer.commitTransaction();
            }
        }
        return producer;
    }

    /**
     * Waits until every partition of {@code topic} is stable (ListOffsets latest: the last stable offset under
     * read_committed equals the high watermark, so every transaction's marker is written) and returns the ends.
     */
    static Map<Integer, Long> awaitStable(TestBroker broker, String topic) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Map<Integer, Long> high = endOffsets(broker, topic, IsolationLevel.READ_UNCOMMITTED);
            Map<Integer, Long> stable = endOffsets(broker, topic, IsolationLevel.READ_COMMITTED);
            if (high.equals(stable)) {
                return high;
            }
            assertTrue(System.nanoTime() < deadline, () -> topic + " not stable after " + WAIT.toSeconds()
                    + " s: high watermarks " + high + ", last stable offsets " + stable);
            Thread.sleep(100);
        }
    }

    /** ListOffsets latest at {@code isolation}: the high watermarks, or the last stable offsets. */
    static Map<Integer, Long> endOffsets(TestBroker broker, String topic, IsolationLevel isolation) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = Records.partitions(topic, PARTITIONS).stream()
                .collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest()));
        try (Admin admin = broker.admin()) {
            return admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all().get().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset(), (a, b) -> a, TreeMap::new));
        }
    }

    /** Every partition of the scenario's topic ends at {@link #END}: the records plus one marker per transaction. */
    static void assertScenarioEnds(TestBroker broker, String topic, Supplier<String> writer) throws Exception {
        Map<Integer, Long> ends = awaitStable(broker, topic);
        assertEquals(uniform(END), ends, () -> "end offsets of " + topic + " (records and a marker per transaction)\n" + writer.get());
    }

    /** While the second transaction is open: ListOffsets gives the last stable offsets and high watermarks it must. */
    static void assertOpenTransactionEnds(TestBroker broker, String topic) throws Exception {
        assertEquals(uniform(OPEN_LSO), endOffsets(broker, topic, IsolationLevel.READ_COMMITTED),
                "last stable offsets of " + topic + " (the open transaction's first offset)");
        assertEquals(uniform(OPEN_HIGH), endOffsets(broker, topic, IsolationLevel.READ_UNCOMMITTED), "high watermarks of " + topic);
    }

    static Map<Integer, Long> uniform(long offset) {
        return IntStream.range(0, PARTITIONS).boxed().collect(Collectors.toMap(p -> p, p -> offset, (a, b) -> a, TreeMap::new));
    }

    /** Reads {@code topic} from the beginning at {@code isolation} until the consumer's position reaches {@code ends}. */
    static List<Rec> readWithJava(TestBroker broker, String topic, IsolationLevel isolation, Map<Integer, Long> ends) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
        List<TopicPartition> tps = Records.partitions(topic, PARTITIONS);
        List<Rec> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!tps.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp.partition()))) {
                assertTrue(System.nanoTime() < deadline, () -> "the Java consumer (" + isolation + ") did not reach the ends "
                        + ends + " of " + topic + "; positions " + tps.stream().map(consumer::position).toList() + ", read " + read);
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    read.add(new Rec(r.partition(), r.offset(), r.key(), r.value()));
                }
            }
        }
        read.sort(Rec.ORDER);
        return read;
    }

    /** After an external client wrote the scenario: its ends, and what the Java consumer reads at each isolation level. */
    static void assertJavaReadsScenario(TestBroker broker, String topic, Subprocess.Result run) throws Exception {
        assertScenarioEnds(broker, topic, run::report);
        for (IsolationLevel isolation : IsolationLevel.values()) {
            assertEquals(expected(isolation), readWithJava(broker, topic, isolation, uniform(END)),
                    () -> "records of " + topic + " the Java consumer read at " + isolation + "\n" + run.report());
        }
    }

    /** The RECORD lines a script printed, in partition and offset order. */
    static List<Rec> printed(Subprocess.Result run) throws Exception {
        List<Rec> result = new ArrayList<>();
        Matcher m = RECORD.matcher(run.stdoutText());
        while (m.find()) {
            result.add(new Rec(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), m.group(3), m.group(4)));
        }
        result.sort(Rec.ORDER);
        return result;
    }

    /** Writes the read-process-write input: "in-I" with key "k-I" to partition I % 3, without a transaction. */
    static void seedInput(TestBroker broker, String topic) throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < RPW_INPUT; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k-" + i, "in-" + i)));
            }
            for (int i = 0; i < RPW_INPUT; i++) {
                assertEquals(i / PARTITIONS, sent.get(i).get().offset(), "offset of input record " + i);
            }
        }
    }

    /**
     * After a read-process-write run over {@link #seedInput}: read_committed, the output holds every input record
     * exactly once, as "out-in-I" in the input's partition and order; read_uncommitted, also the aborted first
     * batch (the script printed its size); the group committed the end of every input partition.
     */
    static void assertReadProcessWrite(TestBroker broker, String input, String output, String group, Subprocess.Result run)
            throws Exception {
        Matcher aborted = ABORTED.matcher(run.stdoutText());
        assertTrue(aborted.find(), () -> "no ABORTED line\n" + run.report());
        Map<Integer, List<String>> expected = new TreeMap<>();
        for (int i = 0; i < RPW_INPUT; i++) {
            expected.computeIfAbsent(i % PARTITIONS, p -> new ArrayList<>()).add("k-" + i + "=out-in-" + i);
        }
        Map<Integer, Long> ends = awaitStable(broker, output);
        Map<Integer, List<String>> committed = readWithJava(broker, output, IsolationLevel.READ_COMMITTED, ends).stream()
                .collect(Collectors.groupingBy(Rec::partition, TreeMap::new, Collectors.mapping(r -> r.key() + "=" + r.value(), Collectors.toList())));
        assertEquals(expected, committed, () -> "committed output in " + output + " (each input record exactly once)\n" + run.report());
        List<Rec> all = readWithJava(broker, output, IsolationLevel.READ_UNCOMMITTED, ends);
        assertEquals(RPW_INPUT + Integer.parseInt(aborted.group(1)), all.size(),
                () -> "records in " + output + " read_uncommitted (committed plus the aborted first batch)\n" + run.report());
        try (Admin admin = broker.admin()) {
            Map<Integer, Long> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset(), (a, b) -> a, TreeMap::new));
            assertEquals(uniform(RPW_INPUT / PARTITIONS), offsets, () -> "offsets " + group + " committed for " + input + "\n" + run.report());
        }
    }
}
