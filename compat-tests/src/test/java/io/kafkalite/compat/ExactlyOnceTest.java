package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly once, read-process-write, with the stock Java clients: {@link Processor}, in its own JVM, consumes "in"
 * (read_committed, in a classic group as a static member or in a KIP-848 group) and for each polled batch, in one
 * transaction, writes "out-" + value under the same key to "out" and commits the consumed offsets with
 * sendOffsetsToTransaction. Whether the processor or the broker is killed with kill -9 in the middle of a transaction
 * whose records are already written, the broker is killed three times wherever the processor happens to be, or a
 * processor still alive is fenced by its successor, "out" read with read_committed holds every input exactly once.
 */
@Isolated // kills or starves brokers: timing must not depend on what runs beside it
@Timeout(180)
class ExactlyOnceTest {
    static final String IN = "in";
    static final String OUT = "out";
    static final String GROUP = "eos-processor";
    static final int PARTITIONS = 3;
    static final int RECORDS = 20_000;
    /** The first processor holds its transaction open (records flushed, offsets sent) once it has consumed this many. */
    static final int HOLD_AT = RECORDS * 3 / 10;
    /** A consumer-protocol (KIP-848) member that is killed leaves its partitions to the next one after 6 s. */
    static final Map<String, String> BROKER_CONFIG = Map.of("group.initial.rebalance.delay.ms", "0",
            "group.consumer.session.timeout.ms", "6000", "group.consumer.min.session.timeout.ms", "6000",
            "group.consumer.heartbeat.interval.ms", "500", "group.consumer.min.heartbeat.interval.ms", "500");

    @TempDir
    Path dir;
    private final List<JvmProcess> started = new ArrayList<>();
    /** The processors' group.protocol: classic (as static members) or consumer (KIP-848, dynamic members). */
    private String groupProtocol = "classic";
    /** How long the processors sleep in each transaction before committing it. */
    private long paceMs;
    /** The processor started last, and how often one exited on its own (a fatal error). */
    private JvmProcess current;
    private final List<String> exits = new ArrayList<>();

    @AfterEach
    void stopProcessors() throws InterruptedException {
        for (JvmProcess p : started) {
            p.close();
        }
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void killMinus9OfTheProcessorMidTransactionLeavesEveryInputInTheOutputOnce(String protocol) throws Exception {
        groupProtocol = protocol;
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), BROKER_CONFIG)) {
            // given
            String bootstrap = broker.bootstrap();
            produceInput(bootstrap);
            JvmProcess first = processor(bootstrap, "first", HOLD_AT, Long.MAX_VALUE);
            awaitHolding(first, "first");
            // when: killed with its transaction open; a new instance with the same transactional.id fences it
            first.kill9();
            processor(bootstrap, "second", 0, 0);
            // then
            runToCompletion(bootstrap, 0);
            assertExactlyOnce(bootstrap);
            assertAbortedRecordsInTheLog(bootstrap);
        }
    }

    @Test
    void aProcessorStillAliveIsFencedByItsSuccessorAndEveryInputIsInTheOutputOnce() throws Exception {
        try (TestBroker broker = TestBroker.start(dir.resolve("data"), BROKER_CONFIG)) {
            // given: a processor holding its transaction open for 8 s
            String bootstrap = broker.bootstrap();
            produceInput(bootstrap);
            JvmProcess zombie = processor(bootstrap, "zombie", HOLD_AT, 8_000);
            awaitHolding(zombie, "zombie");
            // when: its successor, with the same transactional.id and group.instance.id (classic group), starts
            processor(bootstrap, "successor", 0, 0);
            // then: the zombie's commit is refused as fenced, a fatal error; the successor finishes, exactly once
            assertEquals(1, zombie.exitCode(Duration.ofSeconds(60)), zombie::report);
            assertTrue(zombie.log().contains(ProducerFencedException.class.getName()), zombie::report);
            runToCompletion(bootstrap, 0);
            assertExactlyOnce(bootstrap);
            assertAbortedRecordsInTheLog(bootstrap);
        }
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void killMinus9OfTheBrokerMidTransactionLeavesEveryInputInTheOutputOnce(String protocol) throws Exception {
        groupProtocol = protocol;
        // given
        Path data = dir.resolve("data");
        Path log = dir.resolve("broker.log");
        int port = TestBroker.freePort();
        try (BrokerProcess broker = BrokerProcess.start(data, port, log, BROKER_CONFIG)) {
            produceInput(broker.bootstrap());
            JvmProcess processor = processor(broker.bootstrap(), "processor", HOLD_AT, 3_000);
            awaitHolding(processor, "processor");
            // when: the broker dies while the processor holds its transaction open; it is back within the 3 s hold
            broker.kill9();
        }
        try (BrokerProcess broker = BrokerProcess.start(data, port, log, BROKER_CONFIG)) {
            // then: the processor (restarted if a fatal error ended it) finishes, exactly once
            runToCompletion(broker.bootstrap(), 3);
            assertExactlyOnce(broker.bootstrap());
        }
    }

    @Test
    void threeBrokerKillsAtUnplannedPointsOfTheStreamLeaveEveryInputInTheOutputOnce() throws Exception {
        // given: a processor that takes about 30 ms per transaction of up to 200 records
        Path data = dir.resolve("data");
        Path log = dir.resolve("broker.log");
        int port = TestBroker.freePort();
        paceMs = 30;
        BrokerProcess broker = BrokerProcess.start(data, port, log, BROKER_CONFIG);
        try {
            produceInput(broker.bootstrap());
            processor(broker.bootstrap(), "processor", 0, 0);
            // when: the broker is killed when "out" has a quarter, a half, three quarters of the inputs' offsets,
            // wherever the processor then is (producing, committing offsets, ending its transaction, polling)
            for (int kill = 1; kill <= 3; kill++) {
                awaitOutput(broker.bootstrap(), (long) RECORDS * kill / 4, 3);
                broker.kill9();
                broker = BrokerProcess.start(data, port, log, BROKER_CONFIG);
            }
            // then
            runToCompletion(broker.bootstrap(), 3);
            assertExactlyOnce(broker.bootstrap());
        } finally {
            broker.close();
        }
    }

    private void produceInput(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(IN, PARTITIONS, (short) 1), new NewTopic(OUT, PARTITIONS, (short) 1))).all().get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(IN, "k-" + i, "v-" + i));
            }
            producer.flush();
        }
    }

    /** Starts {@link Processor}; it writes "holding" to {@code dir/name.progress} when it holds its transaction open. */
    private JvmProcess processor(String bootstrap, String name, long holdAt, long holdMs) throws Exception {
        current = JvmProcess.start(Processor.class, dir.resolve(name + ".log"), bootstrap, dir.resolve(name + ".progress").toString(),
                Long.toString(holdAt), Long.toString(holdMs), groupProtocol, Long.toString(paceMs));
        started.add(current);
        return current;
    }

    private void awaitHolding(JvmProcess processor, String name) throws Exception {
        Path progress = dir.resolve(name + ".progress");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(progress) && Files.readString(progress).contains("holding"))) {
            assertTrue(processor.isAlive() && System.nanoTime() < deadline,
                    () -> "the processor did not reach " + HOLD_AT + " inputs within 60 s: " + processor.report());
            Thread.sleep(5);
        }
    }

    /**
     * Waits until the group has committed the end of every partition of "in", restarting the processor whenever it
     * exits, as long as it has exited at most {@code restarts} times in this test.
     */
    private void runToCompletion(String bootstrap, int restarts) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<TopicPartition, Long> ends = Map.of();
        Map<TopicPartition, Long> committed = Map.of();
        try (Admin admin = admin(bootstrap)) {
            while (committed.isEmpty() || !committed.equals(ends)) {
                keepRunning(bootstrap, restarts);
                Map<TopicPartition, Long> e = ends;
                Map<TopicPartition, Long> c = committed;
                assertTrue(System.nanoTime() < deadline, () -> "the processor did not commit the end of " + IN
                        + " within 120 s: ends " + e + ", committed " + c + "; " + current.report());
                Thread.sleep(200);
                try {
                    ends = latest(admin, IN);
                    committed = admin.listConsumerGroupOffsets(GROUP, new ListConsumerGroupOffsetsOptions().requireStable(true))
                            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).entrySet().stream()
                            .filter(x -> x.getValue() != null).collect(Collectors.toMap(Map.Entry::getKey, x -> x.getValue().offset()));
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notNow) {
                    // a coordinator still loading, a pending transactional commit (UNSTABLE_OFFSET_COMMIT): ask again
                }
            }
        }
    }

    /** Waits until "out" holds {@code atLeast} offsets (read_uncommitted, summed over its partitions), keeping the processor running. */
    private void awaitOutput(String bootstrap, long atLeast, int restarts) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin admin = admin(bootstrap)) {
            long written = 0;
            while (written < atLeast) {
                keepRunning(bootstrap, restarts);
                long w = written;
                assertTrue(System.nanoTime() < deadline, () -> "the processor wrote " + w + " offsets of " + OUT + ", not "
                        + atLeast + ", within 60 s: " + current.report());
                Thread.sleep(5);
                try {
                    written = latest(admin, OUT).values().stream().mapToLong(Long::longValue).sum();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notNow) {
                    // the broker still starting: ask again
                }
            }
        }
    }

    /** Starts a new processor if the current one exited; fails once that happened more than {@code restarts} times. */
    private void keepRunning(String bootstrap, int restarts) throws Exception {
        if (!current.isAlive()) {
            exits.add(current.report());
            assertTrue(exits.size() <= restarts, () -> "the processor exited " + exits.size() + " times:\n" + String.join("\n", exits));
            processor(bootstrap, "restart-" + exits.size(), 0, 0);
        }
    }

    private static Map<TopicPartition, Long> latest(Admin admin, String topic) throws Exception {
        return admin.listOffsets(Records.partitions(topic, PARTITIONS).stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                .all().get(10, TimeUnit.SECONDS).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, x -> x.getValue().offset()));
    }

    /** "out", read_committed, holds "out-v-i" under key "k-i" exactly once for every input i, and nothing else. */
    private static void assertExactlyOnce(String bootstrap) {
        Map<String, Integer> times = new HashMap<>();
        for (ConsumerRecord<String, String> r : read(bootstrap, "read_committed")) {
            assertEquals("out-v-" + r.key().substring(2), r.value(), "value under key " + r.key());
            times.merge(r.key(), 1, Integer::sum);
        }
        List<String> missing = IntStream.range(0, RECORDS).mapToObj(i -> "k-" + i).filter(k -> !times.containsKey(k)).toList();
        List<String> duplicated = times.entrySet().stream().filter(e -> e.getValue() > 1).map(e -> e.getKey() + " x" + e.getValue()).toList();
        assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())), missing.size() + " inputs missing from " + OUT);
        assertEquals(List.of(), duplicated.subList(0, Math.min(20, duplicated.size())), duplicated.size() + " inputs more than once in " + OUT);
        assertEquals(RECORDS, times.size(), "distinct keys in " + OUT);
    }

    /** The records of the transaction that was open at the fault are in the log, read_uncommitted, but aborted. */
    private static void assertAbortedRecordsInTheLog(String bootstrap) {
        int inLog = read(bootstrap, "read_uncommitted").size();
        assertTrue(inLog > RECORDS, "the interrupted transaction's records are in the log (read_uncommitted sees " + inLog
                + " records, " + RECORDS + " inputs) but aborted: read_committed does not see them");
    }

    private static List<ConsumerRecord<String, String>> read(String bootstrap, String isolation) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            return Records.readToEnd(consumer, Records.partitions(OUT, PARTITIONS), Duration.ofSeconds(60));
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /**
     * The read-process-write loop: {@code java ExactlyOnceTest$Processor bootstrap progressFile holdAt holdMs groupProtocol
     * paceMs}. Runs until killed, sleeping {@code paceMs} in each transaction before its commit. Once it has consumed
     * {@code holdAt} inputs (counted by offsets, so across restarts) it flushes its open transaction, writes "holding" to
     * the progress file and waits {@code holdMs} more before committing. A broker
     * that is away is retried; an abortable error aborts the transaction and rewinds the consumer to the committed
     * offsets; a fatal one (fenced, say) ends the process with exit code 1.
     */
    public static final class Processor {
        public static void main(String[] args) {
            try {
                run(args[0], Path.of(args[1]), Long.parseLong(args[2]), Long.parseLong(args[3]), args[4], Long.parseLong(args[5]));
            } catch (Throwable fatal) {
                fatal.printStackTrace();
                System.exit(1);
            }
        }

        static void run(String bootstrap, Path progress, long holdAt, long holdMs, String groupProtocol, long paceMs)
                throws Exception {
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
            c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
            if (groupProtocol.equals("classic")) {
                c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, GROUP + "-1"); // a restart takes over at once
            }
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, GROUP + "-tx");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
                 KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                retryOnTimeout(() -> { producer.initTransactions(); return null; });
                consumer.subscribe(List.of(IN));
                Map<TopicPartition, Long> next = new HashMap<>();
                boolean held = holdAt <= 0;
                while (true) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    if (records.isEmpty()) {
                        continue;
                    }
                    producer.beginTransaction();
                    try {
                        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                        for (ConsumerRecord<String, String> r : records) {
                            producer.send(new ProducerRecord<>(OUT, r.key(), "out-" + r.value()));
                            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                        }
                        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                        offsets.forEach((tp, o) -> next.put(tp, o.offset()));
                        if (!held && next.values().stream().mapToLong(Long::longValue).sum() >= holdAt) {
                            producer.flush();
                            Files.writeString(progress, "holding");
                            System.out.println("holding the transaction open for " + holdMs + " ms at " + next);
                            Thread.sleep(holdMs);
                            held = true;
                        }
                        Thread.sleep(paceMs);
                        retryOnTimeout(() -> { producer.commitTransaction(); return null; });
                    } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                             | AuthorizationException | UnsupportedVersionException fatal) {
                        throw fatal;
                    } catch (KafkaException abortable) {
                        System.out.println("aborting the transaction: " + abortable);
                        retryOnTimeout(() -> { producer.abortTransaction(); return null; });
                        var committed = retryOnTimeout(() -> consumer.committed(consumer.assignment()));
                        for (TopicPartition tp : consumer.assignment()) {
                            OffsetAndMetadata o = committed.get(tp);
                            if (o == null) {
                                consumer.seekToBeginning(List.of(tp));
                            } else {
                                consumer.seek(tp, o.offset());
                            }
                        }
                        next.clear();
                    }
                }
            }
        }

        /** Calls {@code call} until it does not time out (the broker is away); commit and abort may be retried so. */
        private static <T> T retryOnTimeout(Callable<T> call) throws Exception {
            while (true) {
                try {
                    return call.call();
                } catch (TimeoutException away) {
                    System.out.println("timed out, retrying: " + away);
                }
            }
        }
    }
}
