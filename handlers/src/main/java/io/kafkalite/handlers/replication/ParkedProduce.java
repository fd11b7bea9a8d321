package io.kafkalite.handlers.replication;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.protocol.Errors;

/**
 * One partition of an acks=all produce, appended on the leader and waiting until the high watermark reaches
 * {@code requiredOffset} (its last offset + 1), as Kafka's DelayedProduce. Completes exactly once: when the high
 * watermark passes it, when leadership is lost, or when the request's timeout ends.
 */
final class ParkedProduce {
    final long requiredOffset;
    final int minIsr;
    final CompletableFuture<Errors> future = new CompletableFuture<>();
    private final AtomicBoolean done = new AtomicBoolean();
    private final Runnable onDone;
    private volatile ScheduledFuture<?> timeout;

    /** @param onDone runs once, before the future completes (the manager's count of parked produces) */
    ParkedProduce(long requiredOffset, int minIsr, Runnable onDone) {
        this.requiredOffset = requiredOffset;
        this.minIsr = minIsr;
        this.onDone = onDone;
    }

    void timeout(ScheduledFuture<?> t) {
        timeout = t;
        if (future.isDone()) {
            t.cancel(false);
        }
    }

    /** Completes with {@code error}; false if it was already complete. */
    boolean complete(Errors error) {
        if (!done.compareAndSet(false, true)) {
            return false;
        }
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
        onDone.run();
        future.complete(error);
        return true;
    }
}
