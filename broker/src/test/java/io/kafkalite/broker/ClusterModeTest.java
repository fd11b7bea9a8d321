package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three in-JVM brokers in cluster mode sharing one {@link LocalQuorum} ({@link LocalCluster}): the topic and cluster APIs,
 * with a stock admin client.
 */
class ClusterModeTest {
    private final LocalCluster cluster = LocalCluster.of(3, Map.of("default.replication.factor", "3"));
    private final List<Admin> admins = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        for (int id = 1; id <= 3; id++) {
            cluster.put(id, cluster.builder(id, 0).config("broker.rack", "rack" + id).start());
            admins.add(Admin.create(Map.of("bootstrap.servers", cluster.broker(id).bootstrapServers())));
        }
        cluster.awaitUnfenced(3);
    }

    @AfterEach
    void stopCluster() {
        admins.forEach(Admin::close);
        cluster.close();
    }

    @Test
    void describeClusterListsEveryBrokerAndTheQuorumLeader() throws Exception {
        for (Admin admin : admins) {
            Collection<Node> nodes = admin.describeCluster().nodes().get();
            assertEquals(Set.of(1, 2, 3), nodes.stream().map(Node::id).collect(Collectors.toSet()));
            assertEquals(Set.of("rack1", "rack2", "rack3"), nodes.stream().map(Node::rack).collect(Collectors.toSet()));
            assertEquals(1, admin.describeCluster().controller().get().id());
            assertEquals(cluster.broker(1).clusterId(), admin.describeCluster().clusterId().get());
        }
        cluster.log().setLeader(2);
        LocalCluster.await(() -> controllerOf(admins.get(2)) == 2, "controller follows the quorum leader");
    }

    @Test
    void topicsWithThreeReplicasOnEveryBroker() throws Exception {
        admins.get(0).createTopics(List.of(new NewTopic("orders", 4, (short) 3))).all().get();
        for (Admin admin : admins) {
            TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
            assertEquals(4, d.partitions().size());
            for (TopicPartitionInfo p : d.partitions()) {
                assertEquals(3, p.replicas().size(), p.toString());
                assertEquals(3, p.isr().size(), p.toString());
                assertNotNull(p.leader(), p.toString());
                assertEquals(p.replicas().get(0), p.leader(), "the preferred replica leads a new partition");
            }
        }
        // every broker's log store followed: the partitions are in its log directory
        for (int id = 1; id <= 3; id++) {
            int node = id;
            LocalCluster.await(() -> logDirPartitions(admins.get(node - 1), node) == 4, "local logs of the new topic");
        }
        ExecutionException tooMany = assertThrows(ExecutionException.class,
                () -> admins.get(1).createTopics(List.of(new NewTopic("wide", 1, (short) 4))).all().get());
        assertInstanceOf(InvalidReplicationFactorException.class, tooMany.getCause());
        assertEquals("Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached "
                + "because only 3 broker(s) are registered.", tooMany.getCause().getMessage());

        admins.get(2).createPartitions(Map.of("orders", NewPartitions.increaseTo(6))).all().get();
        assertEquals(6, admins.get(0).describeTopics(List.of("orders")).allTopicNames().get().get("orders").partitions().size());

        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
        admins.get(0).incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "12345"),
                AlterConfigOp.OpType.SET)))).all().get();
        LocalCluster.await(() -> "12345".equals(config(admins.get(2), topic, "retention.ms")), "config on another broker");

        admins.get(1).deleteTopics(List.of("orders")).all().get();
        for (int id = 1; id <= 3; id++) {
            int node = id;
            assertTrue(admins.get(id - 1).listTopics().names().get().isEmpty());
            LocalCluster.await(() -> logDirPartitions(admins.get(node - 1), node) == 0, "local logs deleted");
        }
        ExecutionException gone = assertThrows(ExecutionException.class, () -> admins.get(0).deleteTopics(List.of("orders")).all().get());
        assertInstanceOf(UnknownTopicOrPartitionException.class, gone.getCause());
    }

    @Test
    void leaderElectionAfterFencingAndReassignment() throws Exception {
        admins.get(0).createTopics(List.of(new NewTopic("events", Map.of(0, List.of(2, 1, 3))))).all().get();
        cluster.quorum(0).submit(new MetadataRecord.FenceBroker(2)).get(5, TimeUnit.SECONDS);
        TopicPartitionInfo fenced = partition(admins.get(0), "events", 0);
        assertEquals(1, fenced.leader().id(), "the next ISR replica leads");
        assertEquals(List.of(1, 3), ids(fenced.isr()));
        assertEquals(Set.of(1, 3), admins.get(0).describeCluster().nodes().get().stream().map(Node::id).collect(Collectors.toSet()));
        Collection<Node> withFenced = admins.get(0).describeCluster(new DescribeClusterOptions().includeFencedBrokers(true)).nodes().get();
        assertEquals(Set.of(2), withFenced.stream().filter(Node::isFenced).map(Node::id).collect(Collectors.toSet()));

        BrokerRegistration two = cluster.image().broker(2);
        cluster.quorum(0).submit(new MetadataRecord.UnfenceBroker(2, two.incarnation())).get(5, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition("events", 0);
        // broker 2 fetches from the leader again, catches up and the leader takes it back into the ISR
        LocalCluster.await(() -> isr(admins.get(0), "events", 0).contains(2), "broker 2 back in the ISR");
        assertEquals(Optional.empty(), admins.get(1).electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get().get(tp),
                "preferred election succeeds");
        assertEquals(2, partition(admins.get(2), "events", 0).leader().id());

        admins.get(0).alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2, 1))))).all().get();
        assertEquals(List.of(2, 1), ids(partition(admins.get(1), "events", 0).replicas()));
        assertTrue(admins.get(2).listPartitionReassignments().reassignments().get().isEmpty());
    }

    @Test
    void metadataAutoCreatesThroughTheQuorum() throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", cluster.broker(2).bootstrapServers(),
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName()))) {
            List<PartitionInfo> partitions = producer.partitionsFor("auto-created");
            assertEquals(1, partitions.size());
            assertEquals(3, partitions.get(0).replicas().length);
        }
        assertNotNull(cluster.image().topic("auto-created"));
    }

    @Test
    void describeMetadataQuorum() throws Exception {
        QuorumInfo info = admins.get(1).describeMetadataQuorum().quorumInfo().get();
        assertEquals(1, info.leaderId());
        assertEquals(Set.of(1, 2, 3), info.voters().stream().map(QuorumInfo.ReplicaState::replicaId).collect(Collectors.toSet()));
        assertEquals(cluster.image().appliedIndex(), info.highWatermark());
    }

    private static TopicPartitionInfo partition(Admin admin, String topic, int p) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(p);
    }

    private static List<Integer> isr(Admin admin, String topic, int p) {
        try {
            return ids(partition(admin, topic, p).isr());
        } catch (Exception e) {
            return List.of();
        }
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }

    private static int controllerOf(Admin admin) {
        try {
            return admin.describeCluster().controller().get().id();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String config(Admin admin, ConfigResource resource, String name) {
        try {
            ConfigEntry e = admin.describeConfigs(List.of(resource)).all().get().get(resource).get(name);
            return e == null ? null : e.value();
        } catch (Exception e) {
            return null;
        }
    }

    /** The partitions in the log directories of broker {@code node}. */
    private static int logDirPartitions(Admin admin, int node) {
        try {
            return admin.describeLogDirs(List.of(node)).allDescriptions().get().values().stream()
                    .flatMap(dirs -> dirs.values().stream()).mapToInt(d -> d.replicaInfos().size()).sum();
        } catch (Exception e) {
            return -1;
        }
    }
}
