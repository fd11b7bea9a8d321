package io.kafkalite.compat;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A stock consumer in a group, polling on its own thread, committing synchronously after every poll
 * and before giving partitions up, and counting every value it sees (shared across members). If the
 * thread dies, {@link #assignment()} and {@link #close()} throw its failure: a dead member never
 * counts as balanced.
 */
final class GroupMember implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Set<TopicPartition> assignment = Set.of();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** onPartitionsRevoked (or lost) calls with partitions. */
    final AtomicInteger revocations = new AtomicInteger();
    /** onPartitionsAssigned calls with partitions. */
    final AtomicInteger assignments = new AtomicInteger();

    GroupMember(String bootstrap, String group, String topic, Map<String, Object> overrides, Map<String, AtomicInteger> seen) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putAll(overrides);
        consumer = new KafkaConsumer<>(p);
        thread = new Thread(() -> {
            try {
                run(topic, seen);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "member-" + group);
        thread.start();
    }

    private void run(String topic, Map<String, AtomicInteger> seen) {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    revocations.incrementAndGet();
                    consumer.commitSync();
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    assignments.incrementAndGet();
                }
            }
        });
        while (running) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                seen.computeIfAbsent(r.value(), v -> new AtomicInteger()).incrementAndGet();
            }
            assignment = Set.copyOf(consumer.assignment());
            try {
                consumer.commitSync();
            } catch (RebalanceInProgressException e) {
                // normal during a rebalance: the next poll completes it, and revocation commits first
            }
        }
    }

    /** The partitions the member owned after its last poll; throws if the member's thread died. */
    Set<TopicPartition> assignment() {
        checkAlive();
        return assignment;
    }

    /** Throws the failure of the member's thread, if it died. */
    void checkAlive() {
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("group member " + thread.getName() + " died", t);
        }
    }

    /** Stops polling and closes the consumer (leaving the group); throws if the member's thread died or hung. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
        if (thread.isAlive()) {
            thread.interrupt();
            throw new AssertionError("group member " + thread.getName() + " did not stop within 30 s");
        }
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
        checkAlive();
    }

    /** Closes every member, then throws the first failure (so one dead member does not leave the others running). */
    static void closeAll(List<GroupMember> members) throws InterruptedException {
        AssertionError first = null;
        for (GroupMember m : members) {
            try {
                m.close();
            } catch (AssertionError e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    static Map<String, Integer> duplicates(Map<String, AtomicInteger> seen) {
        Map<String, Integer> result = new HashMap<>();
        seen.forEach((v, n) -> {
            if (n.get() > 1) {
                result.put(v, n.get());
            }
        });
        return result;
    }

    static Map<String, AtomicInteger> newSeen() {
        return new ConcurrentHashMap<>();
    }
}
