package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * DescribeTopicPartitions (paged), ElectLeaders and the partition-reassignment APIs through the stock admin client
 * and kafka-tools 4.4's kafka-topics, kafka-leader-election and kafka-reassign-partitions.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PartitionAdminTest {
    private static final int PAGE = 5;

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("max.request.partition.size.limit", String.valueOf(PAGE)));
    @TempDir
    static Path dir;

    @BeforeAll
    static void topics() throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            topics.add(new NewTopic("paged-" + i, 1 + i % 7, (short) 1)); // 1..7 partitions: pages end inside and between topics
        }
        topics.add(new NewTopic("moved", 2, (short) 1));
        try (Admin admin = broker.admin()) {
            admin.createTopics(topics).all().get();
        }
    }

    @Test
    void describeTopicsPagesThroughEveryPartition() throws Exception {
        // given: 12 topics with 48 partitions, the broker serving at most 5 per response
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            names.add("paged-" + i);
        }

        // when
        Map<String, TopicDescription> described;
        try (Admin admin = broker.admin()) {
            described = admin.describeTopics(names).allTopicNames().get();
        }

        // then: every partition once, in order, led by this broker, its only replica
        assertEquals(Set.copyOf(names), described.keySet());
        for (int i = 0; i < 12; i++) {
            List<TopicPartitionInfo> partitions = described.get("paged-" + i).partitions();
            assertEquals(1 + i % 7, partitions.size(), "paged-" + i);
            for (int p = 0; p < partitions.size(); p++) {
                TopicPartitionInfo info = partitions.get(p);
                assertEquals(p, info.partition());
                assertEquals(1, info.leader().id());
                assertEquals(List.of(1), info.replicas().stream().map(n -> n.id()).toList());
                assertEquals(List.of(1), info.isr().stream().map(n -> n.id()).toList());
                assertEquals(List.of(), info.elr());
            }
        }
    }

    @Test
    void describeTopicPartitionsAnswersPagesWithCursors() throws Exception {
        try (RawClient client = new RawClient(broker.port())) {
            // given: paged-3 has 4 partitions, paged-4 has 5
            DescribeTopicPartitionsRequestData request = new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(100);
            for (String name : List.of("paged-4", "paged-3", "no-such-topic")) {
                request.topics().add(new DescribeTopicPartitionsRequestData.TopicRequest().setName(name));
            }

            // when: the request asks for 100, the broker's limit is 5
            DescribeTopicPartitionsResponse first = client.call(new DescribeTopicPartitionsRequest.Builder(request).build((short) 0));

            // then: paged-3's 4 partitions, the first of paged-4, and the cursor at paged-4's second
            List<DescribeTopicPartitionsResponseTopic> topics = List.copyOf(first.data().topics());
            assertEquals(List.of("no-such-topic", "paged-3", "paged-4"), topics.stream().map(DescribeTopicPartitionsResponseTopic::name).toList());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), topics.get(0).errorCode());
            assertEquals(4, topics.get(1).partitions().size());
            assertEquals(List.of(0), topics.get(2).partitions().stream().map(p -> p.partitionIndex()).toList());
            assertEquals("paged-4", first.data().nextCursor().topicName());
            assertEquals(1, first.data().nextCursor().partitionIndex());

            // when: continuing at the cursor with a limit of 2
            request.setResponsePartitionLimit(2).setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName("paged-4").setPartitionIndex(1));
            DescribeTopicPartitionsResponse second = client.call(new DescribeTopicPartitionsRequest.Builder(request).build((short) 0));

            // then: topics before the cursor are left out
            assertEquals(List.of("paged-4"), second.data().topics().stream().map(DescribeTopicPartitionsResponseTopic::name).toList());
            assertEquals(List.of(1, 2), second.data().topics().find("paged-4").partitions().stream().map(p -> p.partitionIndex()).toList());
            assertEquals(3, second.data().nextCursor().partitionIndex());

            // when: the last page
            request.setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName("paged-4").setPartitionIndex(3));
            DescribeTopicPartitionsResponse last = client.call(new DescribeTopicPartitionsRequest.Builder(request).build((short) 0));
            assertEquals(List.of(3, 4), last.data().topics().find("paged-4").partitions().stream().map(p -> p.partitionIndex()).toList());
            assertNull(last.data().nextCursor());

            // when: the cursor names a topic that was not asked for
            request.setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName("paged-5").setPartitionIndex(0));
            DescribeTopicPartitionsResponse bad = client.call(new DescribeTopicPartitionsRequest.Builder(request).build((short) 0));
            assertTrue(bad.data().topics().stream().allMatch(t -> t.errorCode() == Errors.INVALID_REQUEST.code()));
        }
    }

    @Test
    void kafkaTopicsDescribes() throws Exception {
        Tools.Result r = Tools.run(dir, "org.apache.kafka.tools.TopicCommand",
                List.of("--bootstrap-server", broker.bootstrap(), "--describe", "--topic", "paged-6"));
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("Topic: paged-6\tTopicId:"), r.stdout());
        assertTrue(r.stdout().contains("PartitionCount: 7"), r.stdout());
        for (int p = 0; p < 7; p++) {
            assertTrue(r.stdout().contains("Partition: " + p + "\tLeader: 1\tReplicas: 1\tIsr: 1"), r.stdout());
        }
    }

    @Test
    void electLeadersFindsNoElectionNeeded() throws Exception {
        try (Admin admin = broker.admin()) {
            // named partitions: not needed, or unknown
            var result = admin.electLeaders(ElectionType.PREFERRED, Set.of(new TopicPartition("moved", 0), new TopicPartition("moved", 9),
                    new TopicPartition("no-such-topic", 0))).partitions().get();
            assertInstanceOf(ElectionNotNeededException.class, result.get(new TopicPartition("moved", 0)).orElseThrow());
            assertInstanceOf(UnknownTopicOrPartitionException.class, result.get(new TopicPartition("moved", 9)).orElseThrow());
            assertInstanceOf(UnknownTopicOrPartitionException.class, result.get(new TopicPartition("no-such-topic", 0)).orElseThrow());
            var unclean = admin.electLeaders(ElectionType.UNCLEAN, Set.of(new TopicPartition("moved", 1))).partitions().get();
            assertInstanceOf(ElectionNotNeededException.class, unclean.get(new TopicPartition("moved", 1)).orElseThrow());
            // all partitions: those that needed no election are left out
            assertEquals(Map.of(), admin.electLeaders(ElectionType.PREFERRED, null).partitions().get());
        }
    }

    @Test
    void kafkaLeaderElection() throws Exception {
        Tools.Result all = Tools.run(dir, "org.apache.kafka.tools.LeaderElectionCommand",
                List.of("--bootstrap-server", broker.bootstrap(), "--election-type", "preferred", "--all-topic-partitions"));
        assertEquals(0, all.exitCode(), all.stdout() + all.stderr());
        assertTrue(all.stdout().isBlank(), "every partition has its preferred leader: nothing to report, as Kafka: " + all.stdout());

        Tools.Result one = Tools.run(dir, "org.apache.kafka.tools.LeaderElectionCommand",
                List.of("--bootstrap-server", broker.bootstrap(), "--election-type", "unclean", "--topic", "moved", "--partition", "0"));
        assertEquals(0, one.exitCode(), one.stdout() + one.stderr());
        assertTrue(one.stdout().contains("Valid replica already elected for partitions moved-0"), one.stdout());

        Tools.Result unknown = Tools.run(dir, "org.apache.kafka.tools.LeaderElectionCommand",
                List.of("--bootstrap-server", broker.bootstrap(), "--election-type", "preferred", "--topic", "no-such-topic", "--partition", "0"));
        assertEquals(1, unknown.exitCode(), unknown.stdout() + unknown.stderr());
        assertTrue((unknown.stdout() + unknown.stderr()).contains("UnknownTopicOrPartitionException"), unknown.stdout() + unknown.stderr());
    }

    @Test
    void reassignmentsAsOneBrokerCan() throws Exception {
        try (Admin admin = broker.admin()) {
            TopicPartition moved0 = new TopicPartition("moved", 0);
            TopicPartition moved1 = new TopicPartition("moved", 1);
            TopicPartition unknown = new TopicPartition("no-such-topic", 0);
            var results = admin.alterPartitionReassignments(Map.of(
                    moved0, Optional.of(new NewPartitionReassignment(List.of(1))),
                    moved1, Optional.of(new NewPartitionReassignment(List.of(1, 2))),
                    unknown, Optional.of(new NewPartitionReassignment(List.of(1))))).values();
            results.get(moved0).get(); // to this broker: nothing to do
            assertInstanceOf(InvalidReplicaAssignmentException.class, cause(() -> results.get(moved1).get()));
            assertInstanceOf(UnknownTopicOrPartitionException.class, cause(() -> results.get(unknown).get()));
            var cancel = admin.alterPartitionReassignments(Map.of(moved0, Optional.empty())).values();
            assertInstanceOf(NoReassignmentInProgressException.class, cause(() -> cancel.get(moved0).get()));
            assertEquals(Map.of(), admin.listPartitionReassignments().reassignments().get());
            assertEquals(Map.of(), admin.listPartitionReassignments(Set.of(moved0)).reassignments().get());
        }
    }

    @Test
    void kafkaReassignPartitions() throws Exception {
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"moved\",\"partition\":0,\"replicas\":[1]}]}");
        String tool = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";

        Tools.Result list = Tools.run(dir, tool, List.of("--bootstrap-server", broker.bootstrap(), "--list"));
        assertEquals(0, list.exitCode(), list.stdout() + list.stderr());
        assertTrue(list.stdout().contains("No partition reassignments found."), list.stdout());

        // --execute first prints the current assignment with each replica's log directory (DescribeLogDirs)
        Tools.Result execute = Tools.run(dir, tool, List.of("--bootstrap-server", broker.bootstrap(), "--execute",
                "--reassignment-json-file", plan.toString()));
        assertEquals(0, execute.exitCode(), execute.stdout() + execute.stderr());
        assertTrue(execute.stdout().contains("Successfully started partition reassignment for moved-0"), execute.stdout());

        // --verify then deletes the replication throttles of each broker and topic (dynamic configs)
        Tools.Result verify = Tools.run(dir, tool, List.of("--bootstrap-server", broker.bootstrap(), "--verify",
                "--reassignment-json-file", plan.toString()));
        assertEquals(0, verify.exitCode(), verify.stdout() + verify.stderr());
        assertTrue(verify.stdout().contains("Reassignment of partition moved-0 is completed."), verify.stdout());
    }

    private static Throwable cause(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(ExecutionException.class, call).getCause();
    }
}
