package io.kafkalite.handlers;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Fetches parked until data arrives, by partition. The log store calls {@link #onAppend} after each
 * append, on the appending thread; each waiter on that partition only updates its counters there (no
 * reads). Holds exactly the live waiters: a partition's entry goes when its last waiter does.
 */
final class FetchWaiters {
    /** One partition of a parked fetch. {@link #wake} runs on the appending thread and must be cheap. */
    interface Waiter {
        void wake();
    }

    private final Map<TopicPartition, Set<Waiter>> byPartition = new ConcurrentHashMap<>();

    void add(TopicPartition tp, Waiter waiter) {
        byPartition.compute(tp, (k, set) -> {
            Set<Waiter> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(waiter);
            return s;
        });
    }

    void remove(TopicPartition tp, Waiter waiter) {
        byPartition.computeIfPresent(tp, (k, set) -> {
            set.remove(waiter);
            return set.isEmpty() ? null : set;
        });
    }

    void onAppend(TopicPartition tp) {
        Set<Waiter> set = byPartition.get(tp);
        if (set != null) {
            set.forEach(Waiter::wake);
        }
    }

    /** Partitions with at least one waiter. */
    int partitions() {
        return byPartition.size();
    }

    /** Waiters over all partitions. */
    int waiters() {
        return byPartition.values().stream().mapToInt(Set::size).sum();
    }
}
