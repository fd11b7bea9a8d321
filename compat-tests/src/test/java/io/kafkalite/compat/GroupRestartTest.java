package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Group membership survives a broker restart: members keep their assignment and go on consuming with
 * no rebalance (classic and KIP-848 protocols), a restarted static member takes its slot back, and
 * the group is described with its members right after the restart.
 */
@Isolated // rebalances raced by the clients' own timers: run alone, as before parallel classes
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GroupRestartTest {
    @TempDir
    Path dir;

    private static final Map<String, String> CONFIG = Map.of("group.initial.rebalance.delay.ms", "0", "group.consumer.heartbeat.interval.ms", "500");

    static void produce(TestBroker broker, String topic, int from, int count) {
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int i = from; i < from + count; i++) {
                p.send(new ProducerRecord<>(topic, "key-" + i, topic + "-" + i));
            }
            p.flush();
        }
    }

    private static Map<String, Object> config(String protocol, String instanceId) {
        Map<String, Object> cfg = new HashMap<>(Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol));
        if (instanceId != null) {
            cfg.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        if (protocol.equals("classic")) {
            cfg.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30_000);
            cfg.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
            // A 4.x client whose only broker is down rebootstraps (metadata.recovery.strategy=rebootstrap): its metadata
            // loses the topic until the broker answers again. A classic group's leader that polls in between compares it
            // with the metadata it assigned from and rejoins ("cached metadata has changed"): a rebalance the client
            // makes against Kafka's brokers too. What is tested here is the broker's restart, not that race.
            cfg.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        }
        return cfg;
    }

    private static void assertDescribedWithMembers(TestBroker broker, String group, List<GroupMember> members) throws Exception {
        try (Admin admin = broker.admin()) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            assertEquals(GroupState.STABLE, d.groupState(), "described right after the restart: " + d);
            Set<Set<TopicPartition>> described = new HashSet<>();
            for (MemberDescription m : d.members()) {
                described.add(m.assignment().topicPartitions());
            }
            Set<Set<TopicPartition>> owned = new HashSet<>();
            members.forEach(m -> owned.add(m.assignment()));
            assertEquals(members.size(), d.members().size(), d.toString());
            assertEquals(owned, described, "each member is described with what it owns");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void membersKeepTheirAssignmentAcrossABrokerRestart(String protocol) throws Exception {
        String topic = "kept-" + protocol;
        String group = "restart-" + protocol;
        try (TestBroker broker = TestBroker.start(dir, CONFIG)) {
            // given: two members share 4 partitions
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
            }
            produce(broker, topic, 0, 2000);
            Map<String, AtomicInteger> seen = GroupMember.newSeen();
            List<GroupMember> members = new ArrayList<>();
            try {
                members.add(new GroupMember(broker.bootstrap(), group, topic, config(protocol, null), seen));
                members.add(new GroupMember(broker.bootstrap(), group, topic, config(protocol, null), seen));
                ConsumerGroupTest.await("two members own 2 partitions each", () -> ConsumerGroupTest.splitEvenly(members, 4));
                ConsumerGroupTest.await("2,000 records consumed", () -> seen.size() == 2000);
                Thread.sleep(1000); // any trailing reconciliation settles
                List<Set<TopicPartition>> before = members.stream().map(GroupMember::assignment).toList();
                List<Integer> revocations = members.stream().map(m -> m.revocations.get()).toList();
                List<Integer> assignments = members.stream().map(m -> m.assignments.get()).toList();
                // when
                broker.restart();
                // then
                assertDescribedWithMembers(broker, group, members);
                produce(broker, topic, 2000, 2000);
                ConsumerGroupTest.await("4,000 records consumed", () -> seen.size() == 4000);
                Thread.sleep(2000); // several heartbeats after the restart
                assertEquals(before, members.stream().map(GroupMember::assignment).toList(), "same partitions");
                assertEquals(revocations, members.stream().map(m -> m.revocations.get()).toList(), "nothing revoked or lost");
                assertEquals(assignments, members.stream().map(m -> m.assignments.get()).toList(), "nothing newly assigned");
                assertDescribedWithMembers(broker, group, members);
            } finally {
                GroupMember.closeAll(members);
            }
            for (int i = 0; i < 4000; i++) {
                assertTrue(seen.containsKey(topic + "-" + i), "record " + i + " consumed");
            }
            assertEquals(Map.of(), GroupMember.duplicates(seen), "no record read twice");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void aStaticMemberRestartingAfterABrokerRestartGetsItsPartitionsBackWithoutARebalance(String protocol) throws Exception {
        String topic = "static-" + protocol;
        String group = "static-restart-" + protocol;
        try (TestBroker broker = TestBroker.start(dir, CONFIG)) {
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
            }
            Map<String, AtomicInteger> seen = GroupMember.newSeen();
            List<GroupMember> members = new ArrayList<>();
            try {
                members.add(new GroupMember(broker.bootstrap(), group, topic, config(protocol, "instance-a"), seen));
                members.add(new GroupMember(broker.bootstrap(), group, topic, config(protocol, "instance-b"), seen));
                ConsumerGroupTest.await("two static members own 2 partitions each", () -> ConsumerGroupTest.splitEvenly(members, 4));
                Thread.sleep(1000);
                Set<TopicPartition> beforeB = members.get(1).assignment();
                int revocationsA = members.get(0).revocations.get();
                int assignmentsA = members.get(0).assignments.get();
                // when: instance-b is down (a static member leaves no LeaveGroup) while the broker restarts, then comes back
                members.remove(1).close();
                broker.restart();
                GroupMember restarted = new GroupMember(broker.bootstrap(), group, topic, config(protocol, "instance-b"), seen);
                members.add(restarted);
                // then
                ConsumerGroupTest.await("the restarted member owns its old partitions", () -> restarted.assignment().equals(beforeB));
                Thread.sleep(2000);
                assertEquals(beforeB, restarted.assignment());
                assertEquals(revocationsA, members.get(0).revocations.get(), "the other member gave nothing up: no rebalance");
                assertEquals(assignmentsA, members.get(0).assignments.get(), "and got nothing new");
                assertDescribedWithMembers(broker, group, members);
            } finally {
                GroupMember.closeAll(members);
            }
        }
    }
}
