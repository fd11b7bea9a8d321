package io.kafkalite.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * {@code bench/run --cluster N}: a cluster of N nodes of one kind, topics with replication factor min(3, N) and
 * min.insync.replicas min(2, RF); ProducerPerformance (acks=all), ConsumerPerformance and EndToEndLatency (acks=all)
 * through all nodes' addresses. CPU and memory are the sums over the N processes.
 */
final class ClusterPhase {
    /** The targets for the cluster comparison (ours/Kafka). */
    static final Map<String, String> TARGETS = Map.of(
            "produce_1kb_p6_mbps", ">= 1.2", "produce_1kb_p1_mbps", ">= 1.2", "consume_1kb_mbps", ">= 1.2", "e2e_p99_ms", "<= 0.7");

    private ClusterPhase() { }

    static void run(Cluster cluster, Tool tool, long records, int e2eRecords, Map<String, Double> r) throws Exception {
        cluster.awaitListening(120);
        // an acks=all produce to a new, auto-created topic: every node is up and replicating
        try {
            Bench.awaitFirstProduce(cluster.bootstrap(), new Properties());
        } catch (TimeoutException | ExecutionException e) {
            throw new IllegalStateException("the " + cluster.nodes.get(0).name + " cluster acknowledged no acks=all produce to a new topic"
                    + " (replication factor " + cluster.replicationFactor + ") in 120 s; see node-N/*.log", e);
        }
        r.put("startup_s", (System.nanoTime() - cluster.startedNanos()) / 1e9);
        Thread.sleep(2000);
        r.put("idle_rss_mib", cluster.memoryMiB("VmRSS"));
        short rf = (short) cluster.replicationFactor;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("c1k-p6", 6, rf), new NewTopic("c1k-p1", 1, rf), new NewTopic("c-e2e", 1, rf),
                    new NewTopic("c-warm-up", 6, rf))).all().get();
        }
        // unmeasured: a quarter of the records produced and consumed on another topic, so that short runs measure
        // the nodes' compiled code rather than the JIT's warm-up (all N JVMs start cold, on the same cores)
        tool.await(tool.produce(cluster.bootstrap(), "c-warm-up", records / 4, 1024, "produce-warm-up.log"), "produce-warm-up.log");
        tool.consume(cluster.bootstrap(), "c-warm-up", records / 4, "consume-warm-up.log");
        double cpu0 = cluster.cpuSeconds();
        r.put("produce_1kb_p6_mbps", Tool.producedMBps(tool.await(tool.produce(cluster.bootstrap(), "c1k-p6", records, 1024, "produce-p6.log"),
                "produce-p6.log")));
        r.put("produce_1kb_p1_mbps", Tool.producedMBps(tool.await(tool.produce(cluster.bootstrap(), "c1k-p1", records, 1024, "produce-p1.log"),
                "produce-p1.log")));
        double gbProduced = 2 * records * 1024.0 / 1e9;
        r.put("cpu_s_per_gb_produced", (cluster.cpuSeconds() - cpu0) / gbProduced);
        checkReplicated(cluster, "c1k-p6", r);

        double cpu1 = cluster.cpuSeconds();
        r.put("consume_1kb_mbps", tool.consume(cluster.bootstrap(), "c1k-p6", records, "consume-1kb.log"));
        r.put("cpu_s_per_gb_consumed", (cluster.cpuSeconds() - cpu1) / (records * 1024.0 / 1e9));

        double[] e2e = tool.endToEnd(cluster.bootstrap(), "c-e2e", e2eRecords, 1024, "e2e.log");
        r.put("e2e_p50_ms", e2e[0]);
        r.put("e2e_p99_ms", e2e[1]);
        r.put("e2e_p999_ms", e2e[2]);
        r.put("peak_rss_mib", cluster.memoryMiB("VmHWM"));
    }

    /**
     * Fails unless every partition of {@code topic} has the replication factor asked for (so that both sides are measured
     * replicating); records the smallest ISR after the produce and on how many nodes the partitions' leaders are.
     */
    private static void checkReplicated(Cluster cluster, String topic, Map<String, Double> r) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrap()))) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            for (TopicPartitionInfo p : d.partitions()) {
                if (p.replicas().size() != cluster.replicationFactor) {
                    throw new IllegalStateException(topic + "-" + p.partition() + " has replicas " + p.replicas() + ", not "
                            + cluster.replicationFactor);
                }
            }
            r.put("min_isr_after_produce", (double) d.partitions().stream().mapToInt(p -> p.isr().size()).min().orElse(0));
            Set<Integer> leaders = d.partitions().stream().filter(p -> p.leader() != null).map(p -> p.leader().id()).collect(Collectors.toSet());
            r.put("leader_nodes_p6", (double) leaders.size());
        }
    }

    /** Each node's data directory, for deletion after the round. */
    static List<Path> dataDirs(Path roundDir, int size) {
        return java.util.stream.IntStream.rangeClosed(1, size).mapToObj(id -> roundDir.resolve("node-" + id).resolve("logs")).toList();
    }
}
