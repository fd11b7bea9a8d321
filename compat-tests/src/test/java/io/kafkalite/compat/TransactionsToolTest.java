package io.kafkalite.compat;

import static org.apache.kafka.common.IsolationLevel.READ_COMMITTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's transactions CLI ({@code kafka-transactions.sh}: TransactionsCommand of kafka-tools 4.4.0, as a process)
 * against the broker. Topic "tool" (2 partitions) holds a committed transaction (offsets 0-1, marker 2) and, from
 * 3 to 5, the open transaction of a producer that was killed (its 10-minute timeout outlasts this class).
 */
class TransactionsToolTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of());
    @TempDir
    static Path dir;
    static final String TOPIC = "tool";
    static final TopicPartition FIRST = new TopicPartition(TOPIC, 0);
    static final TopicPartition SECOND = new TopicPartition(TOPIC, 1);

    @BeforeAll
    static void commitOneTransactionAndLeaveOneOpen() throws Exception {
        List<TopicPartition> partitions = TransactionsTest.create(broker, TOPIC, 2);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tool-committed"))) {
            producer.initTransactions();
            producer.beginTransaction();
            TransactionsTest.send(producer, partitions, "committed", 2);
            producer.commitTransaction();
        }
        // the commit marker is written after commitTransaction returns
        TransactionsTest.awaitEquals(TransactionsTest.each(partitions, 3),
                () -> TransactionsTest.latest(broker, partitions, READ_COMMITTED), "last stable offsets after the commit");
        KilledTransactionalProducer.run(broker.bootstrap(), "tool-open", 600_000, TOPIC, 2, 3, dir);
    }

    @Test
    void listShowsEachTransactionalIdWithItsProducerIdAndState() throws Exception {
        List<Map<String, String>> rows = table("list");
        Map<String, String> open = row(rows, "TransactionalId", "tool-open");
        Map<String, String> committed = row(rows, "TransactionalId", "tool-committed");
        assertEquals("Ongoing", open.get("TransactionState"), rows.toString());
        assertEquals("CompleteCommit", committed.get("TransactionState"), rows.toString());
        assertEquals(String.valueOf(describe("tool-open").producerId()), open.get("ProducerId"));
        assertEquals(String.valueOf(describe("tool-committed").producerId()), committed.get("ProducerId"));
        assertNotEquals(open.get("ProducerId"), committed.get("ProducerId"));
        assertEquals(nodeId(), open.get("Coordinator"));
    }

    @Test
    void describeShowsTheStateAndPartitionsOfAnOpenTransaction() throws Exception {
        Map<String, String> row = row(table("describe", "--transactional-id", "tool-open"), "TransactionalId", "tool-open");
        assertEquals("Ongoing", row.get("TransactionState"), row.toString());
        assertEquals("600000", row.get("TransactionTimeoutMs"), row.toString());
        assertEquals(Set.of("tool-0", "tool-1"), Set.of(row.get("TopicPartitions").split(",")), row.toString());
        assertEquals(nodeId(), row.get("CoordinatorId"));
        // the coordinator's producer id and epoch are the ones the partitions saw the records with
        Map<String, String> producer = row(table("describe-producers", "--topic", TOPIC, "--partition", "0"), "CurrentTransactionStartOffset", "3");
        assertEquals(producer.get("ProducerId"), row.get("ProducerId"), row.toString());
        assertEquals(producer.get("ProducerEpoch"), row.get("ProducerEpoch"), row.toString());
        long start = Long.parseLong(row.get("CurrentTransactionStartTimeMs"));
        assertTrue(start > 0 && start <= System.currentTimeMillis(), row.toString());
    }

    @Test
    void describeProducersListsEachProducerWithItsEpochSequenceAndOpenTransaction() throws Exception {
        List<Map<String, String>> rows = table("describe-producers", "--topic", TOPIC, "--partition", "0");
        assertEquals(2, rows.size(), "the committed and the open producer: " + rows);
        TransactionDescription openTxn = describe("tool-open");
        Map<String, String> open = row(rows, "ProducerId", String.valueOf(openTxn.producerId()));
        assertEquals(String.valueOf(openTxn.producerEpoch()), open.get("ProducerEpoch"), open.toString());
        assertEquals("3", open.get("CurrentTransactionStartOffset"), "after the committed records and their marker: " + open);
        assertEquals("2", open.get("LastSequence"), "3 records: " + open);
        assertEquals("-1", open.get("LatestCoordinatorEpoch"), "no marker yet: " + open);
        // Transactions V2: the commit marker carries the epoch the coordinator bumped to, which starts the sequence over
        TransactionDescription committedTxn = describe("tool-committed");
        Map<String, String> committed = row(rows, "ProducerId", String.valueOf(committedTxn.producerId()));
        assertEquals("None", committed.get("CurrentTransactionStartOffset"), committed.toString());
        assertEquals(String.valueOf(committedTxn.producerEpoch()), committed.get("ProducerEpoch"), "the coordinator's epoch: " + committed);
        assertEquals("1", committed.get("ProducerEpoch"), "a new transactional id starts at epoch 0, its commit bumped it: " + committed);
        assertEquals("-1", committed.get("LastSequence"), "no record with the bumped epoch yet: " + committed);
        assertTrue(Integer.parseInt(committed.get("LatestCoordinatorEpoch")) >= 0, "the commit marker's coordinator epoch: " + committed);
    }

    @Test
    void abortEndsAnOpenTransactionOnOnePartition() throws Exception {
        // find-hanging: the coordinator still tracks the transaction on tool-1 (Ongoing), so by Kafka's rule it is
        // not hanging, whatever its age: the table is empty (a broker whose DescribeTransactions or ListTransactions
        // missed it would list it here)
        assertEquals(List.of(), table("find-hanging", "--topic", TOPIC, "--partition", "1", "--max-transaction-timeout", "0"));
        // abort needs the exact start offset of an open transaction
        Tools.Result wrong = transactions("abort", "--topic", TOPIC, "--partition", "1", "--start-offset", "4");
        assertEquals(1, wrong.exitCode(), wrong.stdout() + wrong.stderr());
        assertTrue(wrong.stderr().contains("Could not find any open transactions starting at offset 4"), wrong.stderr());
        // when
        Tools.Result abort = transactions("abort", "--topic", TOPIC, "--partition", "1", "--start-offset", "3");
        assertEquals(0, abort.exitCode(), abort.stdout() + abort.stderr());
        // then: the abort marker (6) ends it on tool-1 only; read_committed reads tool-1 to its end, committed records only
        Map<TopicPartition, Long> end = Map.of(SECOND, 7L);
        assertEquals(end, TransactionsTest.latest(broker, List.of(SECOND), READ_COMMITTED), "last stable offset of tool-1");
        assertEquals(List.of("committed-1-0", "committed-1-1"),
                TransactionsTest.readFromBeginning(broker, READ_COMMITTED, end).stream().map(r -> r.value()).toList());
        assertTrue(table("describe-producers", "--topic", TOPIC, "--partition", "1").stream()
                .allMatch(r -> r.get("CurrentTransactionStartOffset").equals("None")), "no open transaction left on tool-1");
        assertEquals(Map.of(FIRST, 3L), TransactionsTest.latest(broker, List.of(FIRST), READ_COMMITTED), "tool-0 is still open at 3");
    }

    static Tools.Result transactions(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap()));
        all.addAll(List.of(args));
        return Tools.run(dir, "org.apache.kafka.tools.TransactionsCommand", all);
    }

    /** Runs the command, which must succeed, and returns the table it printed: a row per line, column name to value. */
    static List<Map<String, String>> table(String... args) throws Exception {
        Tools.Result result = transactions(args);
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        List<String> lines = result.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(!lines.isEmpty(), "a table with a header: " + result.stdout());
        String[] header = lines.get(0).trim().split("\\s+");
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] values = line.trim().split("\\s+");
            assertEquals(header.length, values.length, "columns " + Arrays.toString(header) + " in: " + line);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], values[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    /** The one row whose {@code column} is {@code value}. */
    static Map<String, String> row(List<Map<String, String>> rows, String column, String value) {
        List<Map<String, String>> matching = rows.stream().filter(r -> value.equals(r.get(column))).toList();
        assertEquals(1, matching.size(), "rows with " + column + "=" + value + " in " + rows);
        return matching.get(0);
    }

    static TransactionDescription describe(String transactionalId) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
        }
    }

    static String nodeId() throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.describeCluster().nodes().get().iterator().next().idString();
        }
    }
}
