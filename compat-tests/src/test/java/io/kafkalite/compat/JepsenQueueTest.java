package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.compat.QueueHistory.Nemesis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A queue workload in the spirit of Jepsen's Kafka test, bounded to about two minutes: two idempotent acks=all
 * producers and a transactional one (commits, a quarter aborted), two consumers of one group (one read_committed),
 * and a nemesis that, in turn, kills a random node with kill -9 and restarts it a few seconds later, and cuts a
 * random node off from the others with a network partition (network namespaces + iptables; kill -9 only where
 * those are unavailable). Afterwards a full read of every partition; {@link QueueChecker} checks the history for
 * lost writes, duplicates, inconsistent offsets, poll skips, aborted reads (and nonmonotonic polls, lost commits):
 * zero of each. The history and the checker's summary are kept in {@code target/jepsen/}.
 * Tagged {@code jepsen}: {@code -DexcludedGroups=jepsen} leaves it out.
 */
@Tag("jepsen")
@Isolated // kills and partitions brokers: three JVMs on two cores
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class JepsenQueueTest {
    private static final Duration LOAD = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void queueUnderKillsAndPartitionsHasNoAnomalies() throws Exception {
        long seed = Long.getLong("jepsen.seed", System.currentTimeMillis());
        boolean partitions = NetNamespaces.available();
        QueueHistory history = new QueueHistory();
        history.add(new Nemesis("seed " + seed + (partitions ? "" : "; network partitions unavailable (needs root, ip netns, iptables): kill -9 only")));
        Path out = Subprocess.moduleDir().resolve("target/jepsen");
        Files.createDirectories(out);
        Files.deleteIfExists(out.resolve("history.txt")); // a previous run's
        Files.deleteIfExists(out.resolve("summary.txt"));
        ClusterProcesses.Builder builder = FailoverCluster.builder("JepsenQueueTest", dir);
        try (FailoverCluster fixture = FailoverCluster.start(partitions ? builder.isolatable() : builder)) {
            ClusterProcesses cluster = fixture.processes();
            ClusterAdmin admin = fixture.admin();
            admin.admin().createTopics(List.of(new NewTopic(QueueWorkload.TOPIC, QueueWorkload.PARTITIONS, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            admin.awaitIsr(QueueWorkload.TOPIC, QueueWorkload.PARTITIONS, 3, Duration.ofSeconds(30));

            AtomicBoolean stopProducers = new AtomicBoolean();
            AtomicBoolean stopConsumers = new AtomicBoolean();
            AtomicBoolean stopNemesis = new AtomicBoolean();
            QueueWorkload producers = new QueueWorkload(cluster.bootstrap(), history, stopProducers);
            QueueWorkload consumers = new QueueWorkload(cluster.bootstrap(), history, stopConsumers);
            List<Thread> producerThreads = List.of(
                    new Thread(() -> producers.idempotentProducer("p1"), "p1"),
                    new Thread(() -> producers.idempotentProducer("p2"), "p2"),
                    new Thread(() -> producers.transactionalProducer("t1", seed), "t1"));
            List<Thread> consumerThreads = List.of(
                    new Thread(() -> consumers.consumer("c1", false), "c1"),
                    new Thread(() -> consumers.consumer("c2", true), "c2"));
            List<String> nemesisErrors = new ArrayList<>();
            Thread nemesis = new Thread(() -> nemesis(cluster, new Random(seed), partitions, history, stopNemesis, nemesisErrors), "nemesis");
            producerThreads.forEach(Thread::start);
            consumerThreads.forEach(Thread::start);
            nemesis.start();
            try {
                Thread.sleep(LOAD.toMillis());
            } finally {
                stopNemesis.set(true);
                nemesis.join(60_000);
                stopProducers.set(true);
                for (Thread t : producerThreads) {
                    t.join(60_000);
                }
                Thread.sleep(5_000); // the consumers catch up
                stopConsumers.set(true);
                for (Thread t : consumerThreads) {
                    t.join(30_000);
                }
            }
            assertTrue(nemesisErrors.isEmpty(), "the nemesis failed: " + nemesisErrors + "\n" + cluster.report());

            // every node up and connected again: the final reads see everything that survived
            admin.awaitIsr(QueueWorkload.TOPIC, QueueWorkload.PARTITIONS, 3, Duration.ofSeconds(30));
            QueueWorkload.FinalRead uncommitted = producers.finalRead(false, Duration.ofSeconds(30));
            QueueWorkload.FinalRead committed = producers.finalRead(true, Duration.ofSeconds(30));
            QueueChecker.Result result = QueueChecker.check(history.events());
            String summary = "seed " + seed + ", network partitions " + (partitions ? "on" : "off (kill -9 only)") + "\n"
                    + (committed.problem() == null ? "" : "final read_committed read: " + committed.problem() + "\n") + result.summary();
            history.write(out.resolve("history.txt"));
            Files.writeString(out.resolve("summary.txt"), summary);
            assertTrue(committed.problem() == null, summary);
            assertTrue(result.stats().getOrDefault("acknowledged sends", 0L) >= 1000 && committed.records() > 1000
                    && uncommitted.records() >= committed.records()
                    && result.stats().getOrDefault("transactions COMMITTED", 0L) >= 10
                    && result.stats().getOrDefault("records polled (read_committed)", 0L) > 0
                    && result.stats().getOrDefault("nemesis operations", 0L) >= 4, "the workload did too little to check:\n" + summary);
            assertTrue(result.valid(), summary + "\nhistory: " + out.resolve("history.txt") + "\n" + cluster.report());
        } finally {
            if (history.size() > 0 && !Files.exists(out.resolve("history.txt"))) {
                history.write(out.resolve("history.txt")); // a run that failed before the check: its history still helps
            }
        }
    }

    /** Every few seconds one fault on a random node, in turn: kill -9 and restart 3-5 s later, isolation for 5-8 s. */
    private static void nemesis(ClusterProcesses cluster, Random random, boolean partitions, QueueHistory history,
                                AtomicBoolean stop, List<String> errors) {
        try {
            Thread.sleep(5_000);
            boolean partitionNext = random.nextBoolean();
            long lastFault = System.nanoTime() + LOAD.minusSeconds(20).toNanos(); // a restart takes 5-25 s: end within the load
            while (!stop.get() && System.nanoTime() < lastFault) {
                int node = 1 + random.nextInt(cluster.nodes().size());
                partitionNext = !partitionNext; // alternating: both kinds of fault in a short run
                if (partitions && partitionNext) {
                    history.add(new Nemesis("isolate node " + node));
                    cluster.isolate(node);
                    Thread.sleep(5_000 + random.nextInt(3_000));
                    cluster.heal();
                    history.add(new Nemesis("heal"));
                } else {
                    cluster.kill9(node);
                    history.add(new Nemesis("kill -9 node " + node));
                    Thread.sleep(3_000 + random.nextInt(2_000));
                    cluster.start(node);
                    history.add(new Nemesis("restarted node " + node));
                }
                Thread.sleep(3_000 + random.nextInt(2_000));
            }
        } catch (Exception e) {
            errors.add(e.toString());
        } finally {
            try {
                if (partitions) {
                    cluster.heal();
                }
                for (ClusterProcesses.Node n : cluster.nodes()) {
                    if (!n.alive()) {
                        cluster.start(n.id);
                        history.add(new Nemesis("restarted node " + n.id));
                    }
                }
            } catch (Exception e) {
                errors.add("recovering at the end: " + e);
            }
        }
    }
}
