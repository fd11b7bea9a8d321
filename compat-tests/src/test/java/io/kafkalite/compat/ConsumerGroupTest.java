package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stock consumers in one group split a 6-partition topic, take over from a member that leaves, and
 * together read every record exactly once (they commit before giving partitions up) — with the
 * classic protocol and with the KIP-848 consumer protocol.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConsumerGroupTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0", "group.consumer.heartbeat.interval.ms", "500"));


    static void produce(String topic, int from, int count) throws Exception {
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int i = from; i < from + count; i++) {
                p.send(new ProducerRecord<>(topic, "key-" + i, topic + "-" + i));
            }
            p.flush();
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    static boolean splitEvenly(List<GroupMember> members, int partitions) {
        Set<TopicPartition> all = new HashSet<>();
        int total = 0;
        for (GroupMember m : members) {
            Set<TopicPartition> a = m.assignment();
            if (a.size() != partitions / members.size()) {
                return false;
            }
            all.addAll(a);
            total += a.size();
        }
        return all.size() == partitions && total == partitions;
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void membersSplitPartitionsAndTakeOver(String protocol) throws Exception {
        // given
        String topic = "grouped-" + protocol;
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get();
        }
        produce(topic, 0, 3000);
        Map<String, AtomicInteger> seen = GroupMember.newSeen();
        Map<String, Object> cfg = Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        List<GroupMember> members = new ArrayList<>();
        try {
            // when: two members, then three
            members.add(new GroupMember(broker.bootstrap(), "g-" + protocol, topic, cfg, seen));
            members.add(new GroupMember(broker.bootstrap(), "g-" + protocol, topic, cfg, seen));
            await("two members own 3 partitions each", () -> splitEvenly(members, 6));
            produce(topic, 3000, 3000);
            members.add(new GroupMember(broker.bootstrap(), "g-" + protocol, topic, cfg, seen));
            await("three members own 2 partitions each", () -> splitEvenly(members, 6));
            produce(topic, 6000, 3000);
            // one member leaves; the other two take over its partitions
            members.remove(0).close();
            await("two members own 3 partitions each again", () -> splitEvenly(members, 6));
            produce(topic, 9000, 3000);
            // then
            await("all 12,000 records consumed", () -> seen.size() == 12_000);
        } finally {
            GroupMember.closeAll(members);
        }
        for (int i = 0; i < 12_000; i++) {
            assertTrue(seen.containsKey(topic + "-" + i), "record " + i + " consumed");
        }
        assertEquals(Map.of(), GroupMember.duplicates(seen), "no record read twice");
    }
}
