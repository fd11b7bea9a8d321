package io.kafkalite.compat;

import static org.apache.kafka.common.IsolationLevel.READ_COMMITTED;
import static org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnTimeoutException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions with the stock Java producer, consumer and admin client: read_committed against committed, aborted
 * and open transactions, zombie fencing, offsets committed in a transaction, the timeout limit, and the broker
 * aborting the transaction of a producer that was killed.
 */
class TransactionsTest {
    static final int MAX_TIMEOUT_MS = 60_000;
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("transaction.max.timeout.ms", String.valueOf(MAX_TIMEOUT_MS),
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"));
    @TempDir
    static Path dir;

    @Test
    void readCommittedSeesCommittedTransactionsOnly() throws Exception {
        // given: a committed and an aborted transaction, each over all 3 partitions
        List<TopicPartition> partitions = create("committed-and-aborted", 3);
        try (KafkaProducer<String, String> producer = transactional("committed-and-aborted")) {
            producer.initTransactions();
            producer.beginTransaction();
            send(producer, partitions, "committed", 2);
            producer.commitTransaction();
            producer.beginTransaction();
            send(producer, partitions, "aborted", 2);
            producer.flush();
            producer.abortTransaction();
        }
        // then: each partition holds 2 committed records (0-1), the commit marker (2), 2 aborted records (3-4) and
        // the abort marker (5); once the markers are written, the last stable offset is the log end
        Map<TopicPartition, Long> end = each(partitions, 6);
        awaitEquals(end, () -> latest(broker, partitions, READ_UNCOMMITTED), "log end offsets (markers are written after abortTransaction returns)");
        assertEquals(end, latest(broker, partitions, READ_COMMITTED), "ListOffsets, read_committed: the last stable offset");
        try (KafkaConsumer<String, String> consumer = consumer(broker, READ_COMMITTED)) {
            assertEquals(end, consumer.endOffsets(partitions), "a read_committed consumer's end offsets");
        }
        assertEquals(expected(partitions, "committed", 2, 0), describe(readFromBeginning(broker, READ_COMMITTED, end)),
                "read_committed: the committed records only, and the position at the log end (past both markers)");
        assertEquals(sorted(expected(partitions, "committed", 2, 0), expected(partitions, "aborted", 2, 3)),
                describe(readFromBeginning(broker, READ_UNCOMMITTED, end)), "read_uncommitted: both transactions' records");
    }

    @Test
    void readCommittedStopsAtTheLastStableOffsetOfAnOpenTransaction() throws Exception {
        // given: a committed transaction (0-1, marker 2) and an open one (3-4), sent and flushed
        List<TopicPartition> partitions = create("open", 3);
        try (KafkaProducer<String, String> producer = transactional("open");
             KafkaConsumer<String, String> consumer = consumer(broker, READ_COMMITTED)) {
            producer.initTransactions();
            producer.beginTransaction();
            send(producer, partitions, "committed", 2);
            producer.commitTransaction();
            producer.beginTransaction();
            send(producer, partitions, "pending", 2);
            producer.flush();
            // then: the last stable offset is the open transaction's first offset, below the log end
            assertEquals(each(partitions, 5), latest(broker, partitions, READ_UNCOMMITTED), "log end offsets");
            assertEquals(each(partitions, 3), latest(broker, partitions, READ_COMMITTED), "ListOffsets, read_committed: the last stable offset");
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            assertEquals(expected(partitions, "committed", 2, 0), describe(readUntil(consumer, each(partitions, 3))),
                    "read_committed before the commit: the first transaction only, up to the last stable offset");
            assertEquals(List.of(), describe(consumer.poll(Duration.ofSeconds(1))), "nothing of the open transaction");
            assertEquals(each(partitions, 3), positions(consumer, partitions), "the position stays at the last stable offset");
            // when
            producer.commitTransaction();
            // then: the same consumer goes on with the now committed records, to the end past the commit marker
            assertEquals(expected(partitions, "pending", 2, 3), describe(readUntil(consumer, each(partitions, 6))),
                    "read_committed after the commit");
        }
    }

    @Test
    void aSecondProducerWithTheSameTransactionalIdFencesTheFirst() throws Exception {
        // given: a zombie with an open transaction (records flushed)
        List<TopicPartition> partitions = create("fenced", 3);
        try (KafkaProducer<String, String> zombie = transactional("fenced");
             KafkaProducer<String, String> successor = transactional("fenced")) {
            zombie.initTransactions();
            zombie.beginTransaction();
            send(zombie, partitions, "zombie", 1);
            zombie.flush();
            // when: its successor starts (aborting the zombie's transaction) and commits a transaction of its own
            successor.initTransactions();
            successor.beginTransaction();
            send(successor, partitions, "successor", 1);
            successor.commitTransaction();
            // then
            assertThrows(ProducerFencedException.class, zombie::commitTransaction, "the zombie's commit");
        }
        // zombie record 0, abort marker 1, successor record 2, commit marker 3
        Map<TopicPartition, Long> end = each(partitions, 4);
        awaitEquals(end, () -> latest(broker, partitions, READ_UNCOMMITTED), "log end offsets");
        assertEquals(expected(partitions, "successor", 1, 2), describe(readFromBeginning(broker, READ_COMMITTED, end)),
                "read_committed: the successor's records, none of the zombie's");
    }

    @Test
    void aFencedProducerCannotSendAnyMore() throws Exception {
        // given: a zombie with an open transaction, and its successor
        List<TopicPartition> partitions = create("fenced-on-send", 1);
        try (KafkaProducer<String, String> zombie = transactional("fenced-on-send");
             KafkaProducer<String, String> successor = transactional("fenced-on-send")) {
            zombie.initTransactions();
            zombie.beginTransaction();
            send(zombie, partitions, "zombie", 1);
            zombie.flush();
            successor.initTransactions();
            // when / then: the zombie's next record is refused (Kafka's own test accepts either error)
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> zombie.send(new ProducerRecord<>("fenced-on-send", 0, "late", "late")).get());
            assertTrue(e.getCause() instanceof ProducerFencedException || e.getCause() instanceof InvalidProducerEpochException,
                    "fenced: " + e.getCause());
        }
        // zombie record 0 and the abort marker 1; the late record is not in the log
        assertEquals(each(partitions, 2), latest(broker, partitions, READ_UNCOMMITTED), "log end offsets");
        assertEquals(List.of("0@0 zombie-0-0=zombie-0-0"), describe(readFromBeginning(broker, READ_UNCOMMITTED, each(partitions, 2))),
                "read_uncommitted: the zombie's aborted record only");
    }

    @Test
    void offsetsSentToATransactionAreCommittedWithIt() throws Exception {
        // given
        List<TopicPartition> source = create("offsets-source", 2);
        TopicPartition first = source.get(0);
        TopicPartition second = source.get(1);
        ConsumerGroupMetadata group = new ConsumerGroupMetadata("txn-offsets");
        try (KafkaProducer<String, String> producer = transactional("offsets")) {
            producer.initTransactions();
            // when: offsets sent in a transaction
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(Map.of(first, new OffsetAndMetadata(5, "five")), group);
            // then: invisible until the commit, visible after it
            assertEquals(Map.of(), committedOffsets(group.groupId()), "offsets of an open transaction");
            producer.commitTransaction();
            awaitEquals(Map.of(first, "5 five"), () -> committedOffsets(group.groupId()), "offsets after the commit");
            // when: an aborted transaction's offsets, then a committed one
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(Map.of(first, new OffsetAndMetadata(9, "nine"), second, new OffsetAndMetadata(9, "nine")), group);
            producer.abortTransaction();
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(Map.of(second, new OffsetAndMetadata(3, "three")), group);
            producer.commitTransaction();
        }
        // then
        awaitEquals(Map.of(first, "5 five", second, "3 three"), () -> committedOffsets(group.groupId()),
                "the aborted transaction's offsets (9) are dropped, the committed ones kept");
    }

    @Test
    void aTransactionTimeoutAboveTheBrokerMaximumIsRefused() throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "too-long",
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, MAX_TIMEOUT_MS + 1))) {
            KafkaException e = assertThrows(KafkaException.class, producer::initTransactions);
            // kafka-clients 4.4 reports it as "Unexpected error in InitProducerIdResponse; <the error's message>"
            assertTrue(e instanceof InvalidTxnTimeoutException || String.valueOf(e.getMessage()).contains(Errors.INVALID_TRANSACTION_TIMEOUT.message()),
                    "INVALID_TRANSACTION_TIMEOUT expected: " + e);
        }
        try (RawClient raw = new RawClient(broker.port())) {
            assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, initProducerId(raw, "too-long", MAX_TIMEOUT_MS + 1).error());
            InitProducerIdResponse atMaximum = initProducerId(raw, "at-maximum", MAX_TIMEOUT_MS);
            assertEquals(Errors.NONE, atMaximum.error(), "transaction.timeout.ms equal to transaction.max.timeout.ms");
            assertTrue(atMaximum.data().producerId() >= 0, atMaximum.toString());
        }
    }

    @Test
    void theBrokerAbortsTheTransactionOfAKilledProducerAfterItsTimeout() throws Exception {
        // given: a producer killed with 3 records of a transaction (timeout 3 s) open, then a transaction committed after them
        List<TopicPartition> partitions = create("abandoned", 1);
        KilledTransactionalProducer.run(broker.bootstrap(), "abandoned", 3000, "abandoned", 1, 3, dir);
        try (KafkaProducer<String, String> producer = transactional("after-abandoned")) {
            producer.initTransactions();
            producer.beginTransaction();
            send(producer, partitions, "later", 2);
            producer.commitTransaction();
        }
        // then: the broker aborts the abandoned transaction
        try (Admin admin = broker.admin()) {
            awaitEquals(TransactionState.COMPLETE_ABORT, () -> describeTransaction(admin, "abandoned").state(), "state of the abandoned transactional id");
            assertEquals(Set.of(), describeTransaction(admin, "abandoned").topicPartitions(), "partitions of a completed transaction");
        }
        // and read_committed moves past it, to the committed records after it
        Map<TopicPartition, Long> end = latest(broker, partitions, READ_UNCOMMITTED);
        assertEquals(Map.of(partitions.get(0), 7L), end, "3 abandoned records, 2 later ones, an abort and a commit marker");
        assertEquals(end, latest(broker, partitions, READ_COMMITTED), "the last stable offset is the log end again");
        assertEquals(List.of("later-0-0=later-0-0", "later-0-1=later-0-1"),
                readFromBeginning(broker, READ_COMMITTED, end).stream().map(r -> r.key() + "=" + r.value()).toList(),
                "read_committed: the later transaction only");
    }

    // --- helpers, also used by TransactionsToolTest

    static KafkaConsumer<String, String> consumer(TestBroker broker, IsolationLevel isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        return new KafkaConsumer<>(p);
    }

    /** Reads the partitions of {@code end} from the beginning until the position of each is at its offset in {@code end}. */
    static List<ConsumerRecord<String, String>> readFromBeginning(TestBroker broker, IsolationLevel isolation, Map<TopicPartition, Long> end) {
        try (KafkaConsumer<String, String> consumer = consumer(broker, isolation)) {
            consumer.assign(end.keySet());
            consumer.seekToBeginning(end.keySet());
            return readUntil(consumer, end);
        }
    }

    /** Polls an assigned consumer until its position in each partition of {@code end} is there; fails if not within 30 s. */
    static List<ConsumerRecord<String, String>> readUntil(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        assertEquals(end, positions(consumer, end.keySet()), "positions after reading " + describe(records));
        return records;
    }

    static Map<TopicPartition, Long> positions(KafkaConsumer<String, String> consumer, Collection<TopicPartition> partitions) {
        return partitions.stream().collect(Collectors.toMap(Function.identity(), consumer::position));
    }

    /** ListOffsets (latest) through the admin client: the log end offsets, or with read_committed the last stable offsets. */
    static Map<TopicPartition, Long> latest(TestBroker broker, Collection<TopicPartition> partitions, IsolationLevel isolation) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.listOffsets(partitions.stream().collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest())),
                    new ListOffsetsOptions(isolation)).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    static Map<TopicPartition, Long> each(Collection<TopicPartition> partitions, long offset) {
        return partitions.stream().collect(Collectors.toMap(Function.identity(), tp -> offset));
    }

    /** Waits up to 30 s for {@code actual} to return {@code expected}, then asserts it does. */
    static <T> void awaitEquals(T expected, Callable<T> actual, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !expected.equals(actual.call())) {
            Thread.sleep(100);
        }
        assertEquals(expected, actual.call(), what);
    }

    static List<TopicPartition> create(TestBroker broker, String topic, int partitions) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
        return Records.partitions(topic, partitions);
    }

    /** Sends {@code <prefix>-<partition>-<i>} (key and value), {@code i < count}, to each partition. */
    static void send(KafkaProducer<String, String> producer, List<TopicPartition> partitions, String prefix, int count) {
        for (TopicPartition tp : partitions) {
            for (int i = 0; i < count; i++) {
                String text = prefix + "-" + tp.partition() + "-" + i;
                producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), text, text));
            }
        }
    }

    // --- helpers of this class

    private static List<TopicPartition> create(String topic, int partitions) throws Exception {
        return create(broker, topic, partitions);
    }

    private static KafkaProducer<String, String> transactional(String transactionalId) {
        return broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId));
    }

    /** What {@link #send} wrote, as {@link #describe} shows it, if it starts at {@code firstOffset} in each partition. */
    private static List<String> expected(List<TopicPartition> partitions, String prefix, int count, long firstOffset) {
        List<String> result = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            for (int i = 0; i < count; i++) {
                String text = prefix + "-" + tp.partition() + "-" + i;
                result.add(tp.partition() + "@" + (firstOffset + i) + " " + text + "=" + text);
            }
        }
        return sorted(result);
    }

    /** Records as "partition@offset key=value", sorted (so per partition in offset order, for offsets below 10). */
    private static List<String> describe(Iterable<ConsumerRecord<String, String>> records) {
        List<String> result = new ArrayList<>();
        records.forEach(r -> result.add(r.partition() + "@" + r.offset() + " " + r.key() + "=" + r.value()));
        return sorted(result);
    }

    @SafeVarargs
    private static List<String> sorted(List<String>... lists) {
        return Stream.of(lists).flatMap(List::stream).sorted().toList();
    }

    private static Map<TopicPartition, String> committedOffsets(String group) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getValue() != null)
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset() + " " + e.getValue().metadata()));
        }
    }

    private static TransactionDescription describeTransaction(Admin admin, String transactionalId) throws Exception {
        return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
    }

    private static InitProducerIdResponse initProducerId(RawClient raw, String transactionalId, int timeoutMs) throws Exception {
        return raw.call(new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(transactionalId)
                .setTransactionTimeoutMs(timeoutMs).setProducerId(-1).setProducerEpoch((short) -1)).build((short) 4));
    }
}
