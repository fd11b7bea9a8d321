package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Static membership, rebalances of many members at once, and offset commits the broker must refuse. */
@Isolated // rebalances raced by the clients' own timers: run alone, as before parallel classes
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GroupMembershipTest {
    @RegisterExtension
    // Kafka's initial rebalance delay (embedded brokers default to 0): twenty members starting together join one rebalance
    static final TestBroker broker = TestBroker.perClass(Map.of("group.consumer.heartbeat.interval.ms", "500", "group.initial.rebalance.delay.ms", "3000"));

    @BeforeAll
    static void start() throws Exception {
        // the default initial delay (3 s) lets 20 members that start together join one rebalance
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("static-classic", 4, (short) 1), new NewTopic("static-consumer", 4, (short) 1),
                    new NewTopic("wide", 60, (short) 1))).all().get();
        }
    }


    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void aRestartedStaticMemberGetsItsPartitionsBackWithoutARebalance(String protocol) throws Exception {
        String topic = "static-" + protocol;
        String group = "static-group-" + protocol;
        Map<String, AtomicInteger> seen = GroupMember.newSeen();
        Map<String, Object> dynamic = Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        // the consumer protocol takes its session timeout from the broker; the classic one from the client
        Map<String, Object> fixed = protocol.equals("classic")
                ? Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a",
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30_000)
                : Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a");
        try (GroupMember other = new GroupMember(broker.bootstrap(), group, topic, dynamic, seen)) {
            GroupMember staticMember = new GroupMember(broker.bootstrap(), group, topic, fixed, seen);
            ConsumerGroupTest.await("two members own 2 partitions each",
                    () -> ConsumerGroupTest.splitEvenly(List.of(other, staticMember), 4));
            Set<TopicPartition> before = staticMember.assignment();
            int otherRevocations = other.revocations.get();
            // when: the static member restarts
            staticMember.close();
            try (GroupMember restarted = new GroupMember(broker.bootstrap(), group, topic, fixed, seen)) {
                // then
                ConsumerGroupTest.await("the restarted member owns its old partitions", () -> restarted.assignment().equals(before));
                Thread.sleep(1500);
                assertEquals(before, restarted.assignment());
                assertEquals(otherRevocations, other.revocations.get(), "the other member gave nothing up: no rebalance");
            }
        }
    }

    @Test
    void twentyMembersStartingTogetherRebalanceOnce() throws Exception {
        Map<String, AtomicInteger> seen = GroupMember.newSeen();
        List<GroupMember> members = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                members.add(new GroupMember(broker.bootstrap(), "twenty", "wide", Map.of(), seen));
            }
            ConsumerGroupTest.await("20 members own 3 partitions each", () -> ConsumerGroupTest.splitEvenly(members, 60));
            for (GroupMember m : members) {
                assertEquals(0, m.revocations.get(), "a single rebalance: nobody had to give partitions up");
            }
        } finally {
            GroupMember.closeAll(members);
        }
    }

    @Test
    void commitsForUnknownPartitionsAndOversizedMetadataAreRefused() throws Exception {
        try (Admin admin = broker.admin()) {
            var unknown = assertThrows(java.util.concurrent.ExecutionException.class, () -> admin.alterConsumerGroupOffsets("admin-group",
                    Map.of(new TopicPartition("no-such-topic", 0), new OffsetAndMetadata(5))).all().get());
            assertInstanceOf(UnknownTopicOrPartitionException.class, unknown.getCause());
            var beyond = assertThrows(java.util.concurrent.ExecutionException.class, () -> admin.alterConsumerGroupOffsets("admin-group",
                    Map.of(new TopicPartition("wide", 99), new OffsetAndMetadata(5))).all().get());
            assertInstanceOf(UnknownTopicOrPartitionException.class, beyond.getCause());
            var tooLarge = assertThrows(java.util.concurrent.ExecutionException.class, () -> admin.alterConsumerGroupOffsets("admin-group",
                    Map.of(new TopicPartition("wide", 0), new OffsetAndMetadata(5, "m".repeat(5000)))).all().get());
            assertInstanceOf(org.apache.kafka.common.errors.OffsetMetadataTooLarge.class, tooLarge.getCause());
            admin.alterConsumerGroupOffsets("admin-group", Map.of(new TopicPartition("wide", 0), new OffsetAndMetadata(5, "m".repeat(4096)))).all().get();
            OffsetAndMetadata stored = admin.listConsumerGroupOffsets("admin-group").partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition("wide", 0));
            assertEquals(5, stored.offset());
            assertEquals("m".repeat(4096), stored.metadata(), "metadata round-trips");
        }
    }
}
