package io.kafkalite.compat;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A stock consumer of one group protocol ({@code group.protocol=classic|consumer}) polling on its own
 * thread, committing synchronously after every poll and when partitions are revoked (at-least-once). A
 * commit refused during a rebalance is counted, not fatal: the records are then read again by the next
 * owner, as with Kafka. Tracks how long it went without partitions once it had some.
 */
final class ProtocolMember implements AutoCloseable {
    final String protocol;
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Set<TopicPartition> assignment = Set.of();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Commits refused (rebalance in progress, fenced generation or epoch). */
    final AtomicInteger failedCommits = new AtomicInteger();
    private volatile long hadPartitionsAt = -1;
    private volatile long emptySince = -1;
    private volatile long longestWithoutPartitionsMs;
    /** Set when the member is being closed: giving its partitions up then is no wait. */
    private volatile boolean closing;

    ProtocolMember(String bootstrap, String group, String topic, String protocol, Map<String, AtomicInteger> seen) {
        this(bootstrap, group, topic, protocol, Map.of(), seen);
    }

    /** @param extra more consumer configs (partition.assignment.strategy is applied to classic members only) */
    ProtocolMember(String bootstrap, String group, String topic, String protocol, Map<String, String> extra, Map<String, AtomicInteger> seen) {
        this.protocol = protocol;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        if (protocol.equals("classic")) { // the consumer protocol takes these from the broker
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "300");
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        }
        extra.forEach((k, v) -> {
            if (protocol.equals("classic") || !k.equals(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG)) {
                p.put(k, v);
            }
        });
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "20000");
        consumer = new KafkaConsumer<>(p);
        thread = new Thread(() -> {
            try {
                run(topic, seen);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "member-" + protocol);
        thread.start();
    }

    private void run(String topic, Map<String, AtomicInteger> seen) {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    commit();
                }
                track(without(partitions));
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                Set<TopicPartition> now = new HashSet<>(consumer.assignment());
                now.addAll(partitions);
                track(now);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) { // no longer ours: nothing to commit
                track(without(partitions));
            }
        });
        while (running) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                seen.computeIfAbsent(r.value(), v -> new AtomicInteger()).incrementAndGet();
            }
            track(Set.copyOf(consumer.assignment()));
            commit();
        }
    }

    private Set<TopicPartition> without(Collection<TopicPartition> revoked) {
        Set<TopicPartition> rest = new HashSet<>(consumer.assignment());
        rest.removeAll(revoked);
        return rest;
    }

    private void commit() {
        try {
            consumer.commitSync();
        } catch (KafkaException refused) { // RebalanceInProgress, CommitFailed, StaleMemberEpoch, ...
            failedCommits.incrementAndGet();
        }
    }

    /** Called after every poll and from the rebalance callbacks, so time spent rejoining inside poll counts too. */
    private void track(Set<TopicPartition> now) {
        if (closing) {
            return;
        }
        long t = System.currentTimeMillis();
        if (!now.isEmpty()) {
            if (emptySince >= 0) {
                longestWithoutPartitionsMs = Math.max(longestWithoutPartitionsMs, t - emptySince);
            }
            emptySince = -1;
            hadPartitionsAt = t;
        } else if (hadPartitionsAt >= 0 && emptySince < 0) {
            emptySince = t;
        }
        assignment = Set.copyOf(now);
    }

    /** The partitions the member owned after its last poll; throws if the member's thread died. */
    Set<TopicPartition> assignment() {
        checkAlive();
        return assignment;
    }

    /** The longest time it was without partitions after it first had some (so far, including now unless closed). */
    long longestWithoutPartitionsMs() {
        long open = emptySince >= 0 && !closing ? System.currentTimeMillis() - emptySince : 0;
        return Math.max(longestWithoutPartitionsMs, open);
    }

    void checkAlive() {
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("group member " + thread.getName() + " died", t);
        }
    }

    /** Stops polling and closes the consumer (committing and leaving the group). */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
        closing = true;
        if (thread.isAlive()) {
            thread.interrupt();
            throw new AssertionError("group member " + thread.getName() + " did not stop within 30 s");
        }
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
        checkAlive();
    }
}
