package io.kafkalite.groups;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The coordinator's clock and timers. Timers are keyed ({@code sessionTimeoutKey(group, member)}):
 * scheduling a key replaces its timer. Every task runs on the coordinator thread, so coordinator
 * state needs no locks. Tests use a mock whose time moves only when told to.
 */
public interface Scheduler {
    long now();

    void schedule(String key, long delayMs, Runnable task);

    void cancel(String key);

    /** Runs a task on the coordinator thread. */
    void execute(Runnable task);

    /** Runs work on the coordinator thread; the result completes as the future work returns does (or with what it threw). */
    default <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                work.get().whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(v);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}
