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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A stock consumer in a group, polling on its own thread, committing synchronously after every poll
 * and before giving partitions up, and counting every value it sees (shared across members).
 */
final class GroupMember implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Set<TopicPartition> assignment = Set.of();
    final AtomicInteger revocations = new AtomicInteger();

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
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        revocations.incrementAndGet();
                        consumer.commitSync();
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) { }
            });
            while (running) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    seen.computeIfAbsent(r.value(), v -> new AtomicInteger()).incrementAndGet();
                }
                assignment = Set.copyOf(consumer.assignment());
                consumer.commitSync();
            }
        }, "member-" + group);
        thread.start();
    }

    Set<TopicPartition> assignment() {
        return assignment;
    }

    /** Stops polling and closes the consumer (leaving the group). */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
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
