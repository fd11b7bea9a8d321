package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A mixed group (Kafka 4's online migration between the classic and the consumer group protocol): stock
 * consumers of a 6-partition topic under continuous produce are restarted one at a time with the other
 * {@code group.protocol}; the group converts, no record is lost, committed offsets never go back, and no
 * member waits long without partitions. Classic and consumer-protocol members also share a group side
 * by side, as the admin client shows.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@Isolated // it bounds how long a member goes without partitions: run alone, as GroupMembershipTest
class MixedGroupTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0",
            "group.consumer.heartbeat.interval.ms", "300"));

    private static final long MAX_WITHOUT_PARTITIONS_MS = 5_000;

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Every member owns 2 of the 6 partitions, and every partition has one owner. */
    static boolean balanced(List<ProtocolMember> members) {
        Set<TopicPartition> all = new HashSet<>();
        for (ProtocolMember m : members) {
            if (m.assignment().size() != 2) {
                return false;
            }
            all.addAll(m.assignment());
        }
        return all.size() == 6;
    }

    /** Produces "topic-i" values until stopped; {@link #produced} counts the acknowledged ones (sent in order). */
    static final class ContinuousProducer implements AutoCloseable {
        final AtomicLong produced = new AtomicLong();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private volatile boolean running = true;
        private final Thread thread;

        ContinuousProducer(String topic) {
            thread = new Thread(() -> {
                try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
                    for (long i = 0; running; i++) {
                        p.send(new ProducerRecord<>(topic, "key-" + i, topic + "-" + i), (md, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                produced.incrementAndGet();
                            }
                        });
                        if (i % 20 == 19) {
                            Thread.sleep(20); // about 1,000 records a second
                        }
                    }
                    p.flush();
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, "producer-" + topic);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
            if (failure.get() != null) {
                throw new AssertionError("produce failed", failure.get());
            }
        }
    }

    /** Samples the group's committed offsets and remembers any that went back. */
    static final class CommitWatcher implements AutoCloseable {
        final Map<TopicPartition, Long> last = new ConcurrentHashMap<>();
        final List<String> regressions = new ArrayList<>();
        private volatile boolean running = true;
        private final Thread thread;

        CommitWatcher(String group) {
            thread = new Thread(() -> {
                try (Admin admin = broker.admin()) {
                    while (running) {
                        Map<TopicPartition, OffsetAndMetadata> now = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                        now.forEach((tp, o) -> {
                            Long before = last.put(tp, o.offset());
                            if (before != null && o.offset() < before) {
                                synchronized (regressions) {
                                    regressions.add(tp + ": " + before + " -> " + o.offset());
                                }
                            }
                        });
                        Thread.sleep(200);
                    }
                } catch (Exception e) {
                    synchronized (regressions) {
                        regressions.add("watcher failed: " + e);
                    }
                }
            }, "commit-watcher");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }

    static ConsumerGroupDescription describe(String group) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        }
    }

    /** Classic and consumer-protocol members of the group as the admin client shows them (upgraded = consumer protocol). */
    static Map<String, Long> memberKinds(ConsumerGroupDescription d) {
        Map<String, Long> kinds = new HashMap<>();
        for (MemberDescription m : d.members()) {
            kinds.merge(m.upgraded().map(u -> u ? "consumer" : "classic").orElse("unknown"), 1L, Long::sum);
        }
        return kinds;
    }

    /**
     * Three members of one protocol under continuous produce are restarted one at a time with the other
     * protocol; returns when all records are consumed and checked.
     */
    /** Variants: "default" (Kafka's default assignors: eager range), "cooperative" (cooperative-sticky), "static" (group.instance.id). */
    private void migrate(String topic, String from, String to, String variant, GroupType finalType) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get();
        }
        String group = "g-" + topic;
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        List<ProtocolMember> members = new ArrayList<>();
        List<ProtocolMember> all = new ArrayList<>();
        long produced;
        long started = System.currentTimeMillis();
        try (ContinuousProducer producer = new ContinuousProducer(topic); CommitWatcher watcher = new CommitWatcher(group)) {
            try {
                for (int i = 0; i < 3; i++) {
                    members.add(new ProtocolMember(broker.bootstrap(), group, topic, from, config(variant, i), seen));
                }
                all.addAll(members);
                await("three " + from + " members own 2 partitions each", () -> balanced(members));
                for (int i = 0; i < 3; i++) {
                    long t0 = System.currentTimeMillis();
                    members.remove(0).close();
                    ProtocolMember next = new ProtocolMember(broker.bootstrap(), group, topic, to, config(variant, i), seen);
                    members.add(next);
                    all.add(next);
                    await("members own 2 partitions each after restart " + (i + 1), () -> balanced(members));
                    System.out.printf("%s -> %s: restart %d balanced after %d ms%n", topic, to, i + 1, System.currentTimeMillis() - t0);
                    if (i == 0) {
                        ConsumerGroupDescription d = describe(group);
                        assertEquals(GroupType.CONSUMER, d.type(), "a mixed group is a consumer group");
                        assertEquals(Map.of(from, 2L, to, 1L), memberKinds(d));
                    }
                    Thread.sleep(1000); // consume under produce for a while in this mix
                }
                ConsumerGroupDescription d = describe(group);
                assertEquals(finalType, d.type());
                assertEquals(3, d.members().size());
                Thread.sleep(1000); // keep producing a little after the last restart
            } finally {
                producer.close();
                produced = producer.produced.get();
            }
            await("all " + produced + " records consumed", () -> {
                members.forEach(ProtocolMember::checkAlive);
                return countConsumed(seen, topic, produced) == produced;
            });
            // then committed offsets catch up with the log end
            await("committed offsets reach the log end", () -> watcher.last.values().stream().mapToLong(Long::longValue).sum() == produced);
            synchronized (watcher.regressions) {
                assertEquals(List.of(), watcher.regressions, "committed offsets never go back");
            }
        } finally {
            for (ProtocolMember m : members) {
                m.close();
            }
        }
        int duplicates = 0;
        for (AtomicInteger n : seen.values()) {
            duplicates += n.get() - 1;
        }
        long longestWait = all.stream().mapToLong(ProtocolMember::longestWithoutPartitionsMs).max().orElse(0);
        int failedCommits = all.stream().mapToInt(m -> m.failedCommits.get()).sum();
        System.out.printf("%s -> %s: %d records, %d read twice, %d refused commits, longest without partitions %d ms, %d ms in all%n",
                topic, to, produced, duplicates, failedCommits, longestWait, System.currentTimeMillis() - started);
        assertTrue(duplicates <= produced / 20, duplicates + " records read twice of " + produced);
        assertTrue(longestWait < MAX_WITHOUT_PARTITIONS_MS, "a member went " + longestWait + " ms without partitions");
    }

    private static long countConsumed(Map<String, AtomicInteger> seen, String topic, long produced) {
        long n = 0;
        for (long i = 0; i < produced; i++) {
            if (seen.containsKey(topic + "-" + i)) {
                n++;
            }
        }
        return n;
    }

    /** The n-th member's configs: a static member restarts with its predecessor's instance id. */
    private static Map<String, String> config(String variant, int n) {
        return switch (variant) {
            case "cooperative" -> Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            case "static" -> Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-" + n);
            default -> Map.of();
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "cooperative", "static"})
    void classicConsumersUpgradeOneByOneToTheConsumerProtocol(String variant) throws Exception {
        migrate("upgrade-" + variant, "classic", "consumer", variant, GroupType.CONSUMER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "static"})
    void consumerProtocolConsumersDowngradeOneByOneToClassic(String variant) throws Exception {
        migrate("downgrade-" + variant, "consumer", "classic", variant, GroupType.CLASSIC);
    }

    @Test
    void aClassicAndAConsumerMemberShareOneGroup() throws Exception {
        // given
        String topic = "side-by-side";
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int i = 0; i < 600; i++) {
                p.send(new ProducerRecord<>(topic, "key-" + i, topic + "-" + i));
            }
        }
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        String group = "g-side-by-side";
        // when
        try (ProtocolMember classic = new ProtocolMember(broker.bootstrap(), group, topic, "classic", seen);
             ProtocolMember consumer = new ProtocolMember(broker.bootstrap(), group, topic, "consumer", seen)) {
            await("both members own partitions, 6 in all", () -> !classic.assignment().isEmpty() && !consumer.assignment().isEmpty()
                    && classic.assignment().size() + consumer.assignment().size() == 6);
            await("all 600 records consumed", () -> countConsumed(seen, topic, 600) == 600);
            // then
            ConsumerGroupDescription d = describe(group);
            assertEquals(GroupType.CONSUMER, d.type());
            assertEquals(Map.of("classic", 1L, "consumer", 1L), memberKinds(d));
            Set<TopicPartition> described = new HashSet<>();
            for (MemberDescription m : d.members()) {
                Set<TopicPartition> own = m.upgraded().orElseThrow() ? consumer.assignment() : classic.assignment();
                assertEquals(own, m.assignment().topicPartitions(), "what the admin client shows is what the member owns");
                described.addAll(m.assignment().topicPartitions());
            }
            assertEquals(6, described.size());
        }
    }
}
