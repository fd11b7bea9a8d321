package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The stock Kafka Streams word count with processing.guarantee=exactly_once_v2 (a transactional producer per
 * thread, offsets committed in its transactions, read_committed consumers of the repartition topic and of the
 * changelog on restore): its final counts, read with read_committed, are exact, also when the application, in
 * its own JVM, is killed with kill -9 in the middle of its input and restarted with the same application.id.
 */
@Timeout(150)
class StreamsExactlyOnceTest {
    static final int PARTITIONS = 2;

    /** The broker looks for timed-out transactions every second (Kafka's default: every 10 s). */
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0",
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"));
    @TempDir
    Path dir;

    @Test
    void exactlyOnceWordCountCountsEveryWordOnce() throws Exception {
        // given
        createTopics("eos-lines", "eos-counts");
        Map<String, Long> expected = new HashMap<>();
        produceLines("eos-lines", 2_000, expected);
        var props = WordCount.config(broker.bootstrap(), "eos-word-count", dir, StreamsConfig.EXACTLY_ONCE_V2);
        // when
        KafkaStreams streams = new KafkaStreams(WordCount.topology("eos-lines", "eos-counts"), props);
        try {
            streams.start();
            // then
            awaitExactCounts("eos-counts", expected, () -> assertTrue(streams.state().isRunningOrRebalancing(),
                    () -> "Streams is " + streams.state()));
        } finally {
            streams.close(Duration.ofSeconds(20));
        }
    }

    /**
     * With the state directory kept, the restarted instance has the killed one's process id and so its
     * transactional.id: its InitProducerId fences the killed producer and aborts its open transaction. With the
     * state directory wiped, it has a new one: the broker aborts the killed instance's transaction when
     * transaction.timeout.ms (Streams' default for exactly once: 10 s) has passed, and the counts are restored from
     * the changelog.
     */
    @ParameterizedTest(name = "state directory wiped: {0}")
    @ValueSource(booleans = {false, true})
    void killMinus9OfTheApplicationMidRunKeepsTheCountsExact(boolean wipeStateDir) throws Exception {
        // given
        String app = "eos-crash-" + wipeStateDir;
        String lines = app + "-lines";
        String counts = app + "-counts";
        Path stateDir = dir.resolve("state");
        createTopics(lines, counts);
        Map<String, Long> expected = new HashMap<>();
        produceLines(lines, 20_000, expected);
        String transactionalId;
        TransactionDescription killed;
        try (JvmProcess first = wordCount(app, lines, counts, stateDir, "first"); Admin admin = broker.admin()) {
            // when: killed in the middle of its input, most likely with a transaction open
            long committed = awaitCommitted(app, lines, 4_000, first);
            transactionalId = awaitOngoingTransaction(admin, app, first);
            first.kill9();
            assertTrue(committed < 20_000, "killed in the middle of the input: it had committed " + committed + " of 20,000 lines");
            killed = admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId);
        }
        produceLines(lines, 2_000, expected);
        if (wipeStateDir) {
            try (Stream<Path> files = Files.walk(stateDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        // then: restarted with the same application.id, it finishes with every word counted exactly once
        try (JvmProcess second = wordCount(app, lines, counts, stateDir, "second")) {
            awaitExactCounts(counts, expected, () -> assertTrue(second.isAlive(), second::report));
        }
        if (wipeStateDir && killed.state() == TransactionState.ONGOING) {
            try (Admin admin = broker.admin()) {
                TransactionDescription now = admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId);
                assertEquals(TransactionState.COMPLETE_ABORT, now.state(), "the killed instance's transaction, open at the kill (" + killed
                        + "), timed out: " + now);
                assertTrue(now.producerEpoch() > killed.producerEpoch(), "the timeout's abort fences the killed producer: " + now);
            }
        }
    }

    private static void createTopics(String lines, String counts) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(lines, PARTITIONS, (short) 1), new NewTopic(counts, PARTITIONS, (short) 1))).all().get();
        }
    }

    /** Produces {@code count} lines, cycling through the word count's sentences, and adds their words to {@code expected}. */
    private static void produceLines(String topic, int count, Map<String, Long> expected) {
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                String line = WordCount.SENTENCES.get(i % WordCount.SENTENCES.size());
                p.send(new ProducerRecord<>(topic, line));
                WordCount.count(line, expected);
            }
        }
    }

    private JvmProcess wordCount(String app, String lines, String counts, Path stateDir, String name) throws Exception {
        return JvmProcess.start(WordCount.class, dir.resolve(name + ".log"), broker.bootstrap(), app, lines, counts,
                stateDir.toString(), StreamsConfig.EXACTLY_ONCE_V2);
    }

    /**
     * Waits until the application has committed at least {@code atLeast} offsets of {@code topic}, summed over its
     * partitions, and gives that sum.
     */
    private static long awaitCommitted(String app, String topic, long atLeast, JvmProcess process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin admin = broker.admin()) {
            while (true) {
                long committed = admin.listConsumerGroupOffsets(app).partitionsToOffsetAndMetadata().get().entrySet().stream()
                        .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                        .mapToLong(e -> e.getValue().offset()).sum();
                if (committed >= atLeast) {
                    return committed;
                }
                assertTrue(process.isAlive() && System.nanoTime() < deadline, () -> app + " committed " + committed + " of "
                        + topic + ", not " + atLeast + ", within 60 s: " + process.report());
                Thread.sleep(20);
            }
        }
    }

    /** Waits until one of the application's transactional ids has a transaction open (ListTransactions) and gives that id. */
    private static String awaitOngoingTransaction(Admin admin, String app, JvmProcess process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            for (TransactionListing t : admin.listTransactions(new ListTransactionsOptions().filterStates(List.of(TransactionState.ONGOING)))
                    .all().get()) {
                if (t.transactionalId().startsWith(app + "-")) {
                    return t.transactionalId();
                }
            }
            assertTrue(process.isAlive() && System.nanoTime() < deadline,
                    () -> app + " had no transaction open (ListTransactions) within 30 s: " + process.report());
        }
    }

    /**
     * Waits until the last count of each word in {@code topic}, read_committed, is {@code expected}: no other word,
     * no count ever above its total (counts only grow: one above is a duplicate); then checks they stay so.
     * {@code healthy} asserts the application is still up.
     */
    private static void awaitExactCounts(String topic, Map<String, Long> expected, Runnable healthy) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Map<String, Long> counts = WordCount.lastCounts(broker.bootstrap(), topic, PARTITIONS, true);
        while (!counts.equals(expected)) {
            for (Map.Entry<String, Long> e : counts.entrySet()) {
                if (e.getValue() > expected.getOrDefault(e.getKey(), 0L)) {
                    fail("counted more than once: " + e + ", expected " + expected + ", counts " + counts);
                }
            }
            healthy.run();
            if (System.nanoTime() > deadline) {
                fail("the counts did not reach " + expected + " within 90 s: " + counts);
            }
            Thread.sleep(500);
            counts = WordCount.lastCounts(broker.bootstrap(), topic, PARTITIONS, true);
        }
        Thread.sleep(1_000); // ten commit intervals
        healthy.run();
        assertEquals(expected, WordCount.lastCounts(broker.bootstrap(), topic, PARTITIONS, true), "final counts, a second later");
    }
}
