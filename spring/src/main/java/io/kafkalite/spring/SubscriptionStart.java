package io.kafkalite.spring;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/** Subscribes a test's consumer and waits for its assignment, so the test's first poll already reads records. */
final class SubscriptionStart {
    /** How long to poll for an assignment: spring's 600 polls of 100 ms. */
    private static final Duration ASSIGNMENT_WAIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);

    private SubscriptionStart() { }

    /**
     * Subscribes, polls until partitions are assigned, then seeks them to the beginning or the end.
     * Records a poll returns meanwhile are dropped: the seek rewinds past them.
     */
    static void subscribeAndSeek(Consumer<?, ?> consumer, List<String> topics, boolean seekToEnd) {
        AtomicReference<Collection<TopicPartition>> assigned = new AtomicReference<>();
        consumer.subscribe(topics, new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) { }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                assigned.set(partitions);
            }
        });
        long deadline = System.nanoTime() + ASSIGNMENT_WAIT.toNanos();
        while (assigned.get() == null && System.nanoTime() < deadline) {
            consumer.poll(POLL);
        }
        Collection<TopicPartition> partitions = assigned.get();
        if (partitions == null) {
            throw new IllegalStateException("Failed to be assigned partitions from the embedded topics " + topics
                    + " within " + ASSIGNMENT_WAIT.toSeconds() + " s");
        }
        if (seekToEnd) {
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // seekToEnd is lazy: resolve the end offsets now
        } else {
            consumer.seekToBeginning(partitions);
        }
    }
}
