package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Transactions between librdkafka (confluent_kafka, {@code src/test/python/rdkafka_txn.py}) and the stock Java
 * clients, in both directions, and a librdkafka read-process-write loop ({@link TxnScenario} describes the
 * records): a confluent_kafka transactional producer commits one transaction and aborts another, and the Java
 * consumer reads only the first under read_committed and both under read_uncommitted; the Java transactional
 * producer does the same and a confluent_kafka consumer reads it at both isolation levels, while the second
 * transaction is still open (read_committed ends, PARTITION_EOF, at the last stable offset) and after its abort; a consumer plus transactional producer copies a topic with send_offsets_to_transaction,
 * exactly once. Each case runs with Debian's librdkafka and the newest ({@link LibrdkafkaVersion}); skipped
 * without them ({@code compat-tests/install-clients.sh}), failed instead when {@code CI} is set.
 */
class LibrdkafkaTransactionsTest {
    static final Pattern EOF = Pattern.compile("^EOF (\\d+) (\\d+)$", Pattern.MULTILINE);

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    static Path dir;


    @ParameterizedTest
    @EnumSource(LibrdkafkaVersion.class)
    void javaReadsConfluentKafkaTransactions(LibrdkafkaVersion lib) throws Exception {
        // given
        lib.requireConfluentKafka();
        String topic = "rdkafka-txn-" + lib.id();
        TxnScenario.createTopics(broker, topic);
        // when
        Subprocess.Result run = script(lib, "produce", topic, "rdkafka-txn-" + lib.id(), String.valueOf(TxnScenario.PER_PARTITION));
        // then
        TxnScenario.assertJavaReadsScenario(broker, topic, run);
    }

    @ParameterizedTest
    @EnumSource(LibrdkafkaVersion.class)
    void confluentKafkaReadsJavaTransactions(LibrdkafkaVersion lib) throws Exception {
        // given
        lib.requireConfluentKafka();
        String topic = "java-txn-for-rdkafka-" + lib.id();
        TxnScenario.createTopics(broker, topic);
        try (KafkaProducer<String, String> producer = TxnScenario.writeWithJavaLeavingOpen(broker, topic, topic)) {
            TxnScenario.assertOpenTransactionEnds(broker, topic);
            // when the second transaction is open, then read_committed ends at its first offset
            assertConfluentKafkaReads(lib, topic, IsolationLevel.READ_COMMITTED, TxnScenario.OPEN_LSO);
            assertConfluentKafkaReads(lib, topic, IsolationLevel.READ_UNCOMMITTED, TxnScenario.OPEN_HIGH);
            producer.abortTransaction();
        }
        TxnScenario.assertScenarioEnds(broker, topic, () -> "written by the Java producer");
        // when it is aborted, then read_committed skips it
        assertConfluentKafkaReads(lib, topic, IsolationLevel.READ_COMMITTED, TxnScenario.END);
        assertConfluentKafkaReads(lib, topic, IsolationLevel.READ_UNCOMMITTED, TxnScenario.END);
    }

    /** confluent_kafka reads exactly the scenario's records for {@code isolation} and ends (PARTITION_EOF) at {@code end}. */
    private static void assertConfluentKafkaReads(LibrdkafkaVersion lib, String topic, IsolationLevel isolation, long end) throws Exception {
        Subprocess.Result run = script(lib, "consume", topic, isolation.toString());
        assertEquals(TxnScenario.expected(isolation), TxnScenario.printed(run),
                () -> "records confluent_kafka read at " + isolation + "\n" + run.report());
        Map<Integer, Long> eof = new TreeMap<>();
        for (Matcher m = EOF.matcher(run.stdoutText()); m.find(); ) {
            eof.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        }
        assertEquals(TxnScenario.uniform(end), eof, () -> "PARTITION_EOF offsets at " + isolation + "\n" + run.report());
    }

    @ParameterizedTest
    @EnumSource(LibrdkafkaVersion.class)
    void confluentKafkaReadProcessWriteIsExactlyOnce(LibrdkafkaVersion lib) throws Exception {
        // given
        lib.requireConfluentKafka();
        String input = "rdkafka-rpw-in-" + lib.id();
        String output = "rdkafka-rpw-out-" + lib.id();
        String group = "rdkafka-rpw-" + lib.id();
        TxnScenario.createTopics(broker, input, output);
        TxnScenario.seedInput(broker, input);
        // when
        Subprocess.Result run = script(lib, "rpw", input, output, group, "rdkafka-rpw-" + lib.id(), String.valueOf(TxnScenario.RPW_INPUT));
        // then
        TxnScenario.assertReadProcessWrite(broker, input, output, group, run);
    }

    /** Runs rdkafka_txn.py with {@code args} on {@code lib}; asserts it succeeded with that librdkafka. */
    private static Subprocess.Result script(LibrdkafkaVersion lib, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LibrdkafkaTest.PYTHON, Subprocess.moduleDir().resolve("src/test/python/rdkafka_txn.py").toString(),
                args[0], broker.bootstrap()));
        command.addAll(List.of(args).subList(1, args.length));
        Subprocess.Result run = Subprocess.run(command, lib.env(), null, null, dir, "rdkafka_txn-" + String.join("-", args), Subprocess.TIMEOUT);
        LibrdkafkaTest.assertLoaded(lib, LibrdkafkaTest.ROUNDTRIP_VERSION, run);
        assertTrue(run.ok() && run.stdoutText().contains("rdkafka txn ok"), run::report);
        return run;
    }
}
