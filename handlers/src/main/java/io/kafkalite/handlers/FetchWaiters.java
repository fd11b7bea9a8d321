package io.kafkalite.handlers;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Fetches parked until data arrives, by partition. The log store calls {@link #onAppend} after each
 * append; every fetch waiting on that partition is re-checked on its own connection's event loop.
 */
final class FetchWaiters {
    /** A parked fetch: re-checks itself when woken. */
    interface Waiter {
        void wake();
    }

    private final Map<TopicPartition, Set<Waiter>> byPartition = new ConcurrentHashMap<>();

    void add(TopicPartition tp, Waiter waiter) {
        byPartition.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(waiter);
    }

    void remove(TopicPartition tp, Waiter waiter) {
        Set<Waiter> set = byPartition.get(tp);
        if (set != null) {
            set.remove(waiter);
        }
    }

    void onAppend(TopicPartition tp) {
        Set<Waiter> set = byPartition.get(tp);
        if (set != null && !set.isEmpty()) {
            set.forEach(Waiter::wake);
        }
    }
}
