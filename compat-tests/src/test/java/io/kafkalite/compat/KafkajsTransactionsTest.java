package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions between kafkajs 2.2 ({@code src/test/js/kafkajs_txn.js}; InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit and EndTxn at the old versions it speaks) and the stock Java clients, in both
 * directions, and a kafkajs read-process-write loop ({@link TxnScenario} describes the records): a kafkajs
 * transactional producer commits one transaction and aborts another, and the Java consumer reads only the first
 * under read_committed and both under read_uncommitted; the Java transactional producer does the same and a
 * kafkajs consumer (which drops aborted records itself, by the fetch response's aborted transactions) reads it
 * with readUncommitted false and true, while the second transaction is still open and after its abort; a consumer plus transactional producer copies a topic with
 * transaction.sendOffsets, exactly once. Skipped where node or {@code src/test/js/node_modules} is missing
 * ({@code compat-tests/install-clients.sh}), failed instead when {@code CI} is set.
 */
class KafkajsTransactionsTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    static Path dir;


    @Test
    void javaReadsKafkajsTransactions() throws Exception {
        // given
        requireKafkajs();
        String topic = "kafkajs-txn";
        TxnScenario.createTopics(broker, topic);
        // when
        Subprocess.Result run = script("produce", topic, "kafkajs-txn", String.valueOf(TxnScenario.PER_PARTITION));
        // then
        TxnScenario.assertJavaReadsScenario(broker, topic, run);
    }

    @Test
    void kafkajsReadsJavaTransactions() throws Exception {
        // given
        requireKafkajs();
        String topic = "java-txn-for-kafkajs";
        TxnScenario.createTopics(broker, topic);
        try (KafkaProducer<String, String> producer = TxnScenario.writeWithJavaLeavingOpen(broker, topic, topic)) {
            TxnScenario.assertOpenTransactionEnds(broker, topic);
            // when the second transaction is open, then read_committed stops before it
            assertKafkajsReads(topic, IsolationLevel.READ_COMMITTED);
            assertKafkajsReads(topic, IsolationLevel.READ_UNCOMMITTED);
            producer.abortTransaction();
        }
        TxnScenario.assertScenarioEnds(broker, topic, () -> "written by the Java producer");
        // when it is aborted, then read_committed skips it
        assertKafkajsReads(topic, IsolationLevel.READ_COMMITTED);
        assertKafkajsReads(topic, IsolationLevel.READ_UNCOMMITTED);
    }

    /** A kafkajs consumer (readUncommitted false or true) reads exactly the scenario's records for {@code isolation}. */
    private static void assertKafkajsReads(String topic, IsolationLevel isolation) throws Exception {
        List<TxnScenario.Rec> expected = TxnScenario.expected(isolation);
        Subprocess.Result run = script("consume", topic, isolation.toString(), String.valueOf(expected.size()));
        assertEquals(expected, TxnScenario.printed(run), () -> "records kafkajs read at " + isolation + "\n" + run.report());
    }

    @Test
    void kafkajsReadProcessWriteIsExactlyOnce() throws Exception {
        // given
        requireKafkajs();
        TxnScenario.createTopics(broker, "kafkajs-rpw-in", "kafkajs-rpw-out");
        TxnScenario.seedInput(broker, "kafkajs-rpw-in");
        // when
        Subprocess.Result run = script("rpw", "kafkajs-rpw-in", "kafkajs-rpw-out", "kafkajs-rpw", "kafkajs-rpw",
                String.valueOf(TxnScenario.RPW_INPUT));
        // then
        TxnScenario.assertReadProcessWrite(broker, "kafkajs-rpw-in", "kafkajs-rpw-out", "kafkajs-rpw", run);
    }

    private static Path jsDir() {
        return Subprocess.moduleDir().resolve("src/test/js");
    }

    /** Skips (fails under CI) unless node and kafkajs are installed. */
    private static void requireKafkajs() {
        Clients.require(Subprocess.works(List.of("node", "--version")), "node (Node 18+)", "apt packages nodejs npm");
        Clients.require(Files.isDirectory(jsDir().resolve("node_modules/kafkajs")), "kafkajs in " + jsDir() + "/node_modules",
                "npm ci in src/test/js");
    }

    /** Runs kafkajs_txn.js with {@code args}; asserts it succeeded. */
    private static Subprocess.Result script(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", "kafkajs_txn.js", args[0], broker.bootstrap()));
        command.addAll(List.of(args).subList(1, args.length));
        Subprocess.Result run = Subprocess.run(command, jsDir(), null, dir, "kafkajs_txn-" + String.join("-", args), Subprocess.TIMEOUT);
        assertTrue(run.ok() && run.stdoutText().contains("kafkajs txn ok"), run::report);
        return run;
    }
}
