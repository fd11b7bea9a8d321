package io.kafkalite.compat;

import static io.kafkalite.compat.TransactionsTest.each;
import static io.kafkalite.compat.TransactionsTest.latest;
import static io.kafkalite.compat.TransactionsTest.readFromBeginning;
import static org.apache.kafka.common.IsolationLevel.READ_COMMITTED;
import static org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stock 4.4 transactional producer (Transactions V2, as it negotiates with this broker) ending transactions
 * while its sends are still in flight: abortTransaction() right after an unawaited send, with no send at all,
 * commitTransaction() after an unawaited send, many begin/abort cycles, and aborts racing their produce requests. Kafka accepts all of them; a
 * read_committed consumer then sees exactly the committed records.
 */
class TransactionAbortTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of());

    @Test
    void abortRightAfterAnUnawaitedSend() throws Exception {
        TopicPartition tp = create("abort-unawaited");
        try (KafkaProducer<String, String> producer = transactional("abort-unawaited")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record(tp, "committed")).get();
            producer.commitTransaction();
            producer.beginTransaction();
            Future<RecordMetadata> aborted = producer.send(record(tp, "aborted"));
            producer.abortTransaction();
            // the aborted send was either written before the abort (offset 2) or failed with the abort
            boolean written = completed(aborted);
            // the next transaction goes on with the same producer
            producer.beginTransaction();
            producer.send(record(tp, "after"));
            producer.commitTransaction();
            long end = written ? 6 : 4; // committed, marker, [aborted, marker,] after, marker
            assertEquals(Map.of(tp, end), latest(broker, List.of(tp), READ_UNCOMMITTED), "log end offset");
            assertEquals(List.of("committed", "after"), values(readFromBeginning(broker, READ_COMMITTED, Map.of(tp, end))),
                    "read_committed: the committed records only");
        }
    }

    @Test
    void abortWithoutSend() throws Exception {
        TopicPartition tp = create("abort-empty");
        try (KafkaProducer<String, String> producer = transactional("abort-empty")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record(tp, "committed")).get();
            producer.commitTransaction();
            producer.beginTransaction();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(record(tp, "after"));
            producer.commitTransaction();
            assertEquals(List.of("committed", "after"), values(readFromBeginning(broker, READ_COMMITTED, Map.of(tp, 4L))),
                    "read_committed: both commits, no marker of the empty abort");
        }
    }

    @Test
    void commitRightAfterAnUnawaitedSend() throws Exception {
        TopicPartition tp = create("commit-unawaited");
        try (KafkaProducer<String, String> producer = transactional("commit-unawaited")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(record(tp, "first")).get();
            producer.commitTransaction();
            producer.beginTransaction();
            Future<RecordMetadata> second = producer.send(record(tp, "second"));
            producer.commitTransaction();
            assertEquals(2, second.get().offset(), "the unawaited send was written before the commit");
            assertEquals(List.of("first", "second"), values(readFromBeginning(broker, READ_COMMITTED, Map.of(tp, 4L))),
                    "read_committed: both transactions");
        }
    }

    @Test
    void repeatedBeginAbortCycles() throws Exception {
        TopicPartition tp = create("abort-cycles");
        List<String> expected = new ArrayList<>();
        try (KafkaProducer<String, String> producer = transactional("abort-cycles")) {
            producer.initTransactions();
            for (int i = 0; i < 20; i++) {
                producer.beginTransaction();
                if (i % 4 != 3) {
                    producer.send(record(tp, "aborted-" + i));
                }
                if (i % 2 == 0) {
                    producer.abortTransaction();
                } else {
                    producer.send(record(tp, "committed-" + i));
                    expected.add(i % 4 != 3 ? "aborted-" + i : null);
                    expected.add("committed-" + i);
                    producer.commitTransaction();
                }
            }
        }
        expected.removeIf(v -> v == null);
        long end = latest(broker, List.of(tp), READ_UNCOMMITTED).get(tp);
        assertEquals(Map.of(tp, end), latest(broker, List.of(tp), READ_COMMITTED), "no transaction left open");
        // the "aborted-i" of a committed transaction (odd i) was committed with it
        assertEquals(expected, values(readFromBeginning(broker, READ_COMMITTED, Map.of(tp, end))),
                "read_committed: the committed transactions' records only");
    }

    @Test
    void abortsRaceTheirProduceRequests() throws Exception {
        // given: transactions over 3 partitions whose sends are in flight (or not yet sent) when they end
        List<TopicPartition> partitions = TransactionsTest.create(broker, "abort-in-flight", 3);
        List<String> committed = new ArrayList<>();
        int written = 0;
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "abort-in-flight",
                ProducerConfig.BATCH_SIZE_CONFIG, "200"))) { // small batches: several produce requests per transaction
            producer.initTransactions();
            for (int i = 0; i < 30; i++) {
                producer.beginTransaction();
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (int r = 0; r < 20; r++) {
                    String value = "txn-" + i + "-" + r;
                    sends.add(producer.send(new ProducerRecord<>(partitions.get(r % 3).topic(), r % 3, value, value)));
                    if (i % 2 == 1) {
                        committed.add(value);
                    }
                }
                if (i % 3 == 2) {
                    Thread.sleep(1); // let some batches reach the broker
                }
                // when
                if (i % 2 == 0) {
                    producer.abortTransaction();
                } else {
                    producer.commitTransaction();
                }
                for (Future<RecordMetadata> send : sends) {
                    written += completed(send) ? 1 : 0;
                }
                // The stock producer's Sender reads "no incomplete batches" outside its TransactionManager's lock: if
                // it reads that just after this transaction ended and the next one's sends and abort come before it
                // acts on it, EndTxn overtakes those sends and they expire later against a READY producer (a client
                // race, whichever broker). A pause lets the Sender go idle first, as any real application's would.
                Thread.sleep(2);
            }
        }
        // then: every transaction is closed, and read_committed sees exactly the committed ones
        Map<TopicPartition, Long> end = latest(broker, partitions, READ_UNCOMMITTED);
        assertEquals(end, latest(broker, partitions, READ_COMMITTED), "no transaction left open: the last stable offset is the log end");
        assertEquals(written, values(readFromBeginning(broker, READ_UNCOMMITTED, end)).size(), "every acknowledged send is in the log");
        assertEquals(committed.stream().sorted().toList(), values(readFromBeginning(broker, READ_COMMITTED, end)).stream().sorted().toList(),
                "read_committed: the committed transactions' records only");
    }

    private static boolean completed(Future<RecordMetadata> send) {
        try {
            send.get();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static TopicPartition create(String topic) throws Exception {
        return TransactionsTest.create(broker, topic, 1).get(0);
    }

    private static KafkaProducer<String, String> transactional(String transactionalId) {
        return broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId));
    }

    private static ProducerRecord<String, String> record(TopicPartition tp, String value) {
        return new ProducerRecord<>(tp.topic(), tp.partition(), value, value);
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }
}
