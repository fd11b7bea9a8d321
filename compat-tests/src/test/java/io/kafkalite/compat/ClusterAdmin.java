package io.kafkalite.compat;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/** What the tests ask a {@link ClusterProcesses} cluster through a stock Admin client: readiness, leaders, ISRs. */
final class ClusterAdmin implements AutoCloseable {
    /** The topic that {@link #awaitReady} creates to prove that an RF-3 topic can be created. */
    static final String READY_TOPIC = "cluster-ready-check";

    private final ClusterProcesses cluster;
    private final Admin admin;

    ClusterAdmin(ClusterProcesses cluster) {
        this.cluster = cluster;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 200));
    }

    Admin admin() {
        return admin;
    }

    /** Waits until describeCluster shows every node and a topic of RF 3 exists with a leader and a full ISR. */
    void awaitReady(Duration timeout) throws InterruptedException {
        int n = cluster.nodes().size();
        cluster.await("describeCluster shows " + n + " brokers", timeout, () -> brokers().size() == n);
        cluster.await("topic " + READY_TOPIC + " (RF " + n + ") created, with a leader and " + n + " in-sync replicas", timeout, () -> {
            try {
                admin.createTopics(List.of(new NewTopic(READY_TOPIC, 1, (short) n))).all().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    return false;
                }
            } catch (Exception e) {
                return false;
            }
            return partition(new TopicPartition(READY_TOPIC, 0)).map(p -> p.leader() != null && p.isr().size() == n).orElse(false);
        });
    }

    /** The ids of the brokers describeCluster shows (empty if the call fails). */
    List<Integer> brokers() {
        try {
            return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream().map(Node::id).sorted().toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    /** The partition as describeTopics shows it now, or empty if the call fails. */
    Optional<TopicPartitionInfo> partition(TopicPartition tp) {
        try {
            TopicDescription d = admin.describeTopics(List.of(tp.topic())).allTopicNames().get(10, TimeUnit.SECONDS).get(tp.topic());
            return d.partitions().stream().filter(p -> p.partition() == tp.partition()).findFirst();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** The leader's node id, or -1 if there is none (or the call failed). */
    int leaderOf(TopicPartition tp) {
        return partition(tp).map(p -> p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id()).orElse(-1);
    }

    /** The in-sync replicas' node ids, or empty if the call failed. */
    List<Integer> isr(TopicPartition tp) {
        return partition(tp).map(p -> p.isr().stream().map(Node::id).sorted().toList()).orElse(List.of());
    }

    /** Waits until some node leads the partition and gives its id. */
    int awaitLeader(TopicPartition tp, Duration timeout) throws InterruptedException {
        int[] leader = {-1};
        cluster.await("a leader for " + tp, timeout, () -> (leader[0] = leaderOf(tp)) > 0);
        return leader[0]; // as seen, not asked again: a second call may fail
    }

    /** Waits until every partition of {@code topic} has {@code size} in-sync replicas. */
    void awaitIsr(String topic, int partitions, int size, Duration timeout) throws InterruptedException {
        cluster.await("every partition of " + topic + " has " + size + " in-sync replicas", timeout, () -> {
            for (int p = 0; p < partitions; p++) {
                if (isr(new TopicPartition(topic, p)).size() != size) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Every partition's ISR of these topics, for assertion messages. */
    String describe(Collection<String> topics) {
        try {
            StringBuilder sb = new StringBuilder();
            admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().forEach(d -> d.partitions().forEach(p ->
                    sb.append(d.name()).append('-').append(p.partition()).append(" leader ").append(p.leader() == null ? "none" : p.leader().id())
                            .append(" replicas ").append(p.replicas().stream().map(Node::id).toList())
                            .append(" isr ").append(p.isr().stream().map(Node::id).toList()).append('\n')));
            return sb.toString();
        } catch (Exception e) {
            return "(describeTopics failed: " + e + ")";
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
