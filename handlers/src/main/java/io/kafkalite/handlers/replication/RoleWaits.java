package io.kafkalite.handlers.replication;

import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Requests waiting until the replica-state thread has taken the roles of an image (by its applied index): a
 * produce for a partition the latest image says this node leads, arriving before this node took that role.
 * Bounded: beyond {@link #MAX_WAITS} (or after the timeout) the request goes on without waiting.
 */
final class RoleWaits {
    static final int MAX_WAITS = 10_000;

    private record Wait(long index, CompletableFuture<Void> done) { }

    private final Queue<Wait> waits = new ConcurrentLinkedQueue<>();
    /** The applied index of the last image whose roles were all taken. */
    private volatile long takenIndex = -1;

    boolean taken(long index) {
        return takenIndex >= index;
    }

    /** Completes once the roles of image {@code index} are taken, or after {@code timeoutMs}; null if no wait. */
    CompletableFuture<Void> await(long index, long timeoutMs) {
        if (taken(index) || waits.size() >= MAX_WAITS) {
            return null;
        }
        CompletableFuture<Void> done = new CompletableFuture<Void>().completeOnTimeout(null, timeoutMs, TimeUnit.MILLISECONDS);
        waits.add(new Wait(index, done));
        completeTaken(); // the roles may have been taken since the check
        return done;
    }

    /** The roles of image {@code index} (and every earlier one) are taken. */
    void rolesTaken(long index) {
        takenIndex = Math.max(takenIndex, index);
        completeTaken();
    }

    void close() {
        waits.forEach(w -> w.done().complete(null));
        waits.clear();
    }

    private void completeTaken() {
        long taken = takenIndex;
        for (Iterator<Wait> it = waits.iterator(); it.hasNext(); ) {
            Wait w = it.next();
            if (w.index() <= taken) {
                w.done().complete(null);
            }
            if (w.done().isDone()) {
                it.remove();
            }
        }
    }
}
