package io.kafkalite.groups;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link Scheduler}: one thread that runs every coordinator task and timer. Closing it fails the calls
 * still in flight with NOT_COORDINATOR (a cluster node that lost the quorum's leadership stops coordinating at
 * once; the clients find the new coordinator), and tasks given to it afterwards are dropped.
 */
public final class CoordinatorThread implements Scheduler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorThread.class);

    private final ScheduledExecutorService executor;
    private final Map<String, ScheduledFuture<?>> timers = new HashMap<>(); // touched on the coordinator thread only
    /** The results of {@link #call} not yet completed, failed by {@link #close}. */
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile Thread thread;

    public CoordinatorThread() {
        this("group-coordinator");
    }

    public CoordinatorThread(String name) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    @Override
    public long now() {
        return System.currentTimeMillis();
    }

    @Override
    public void schedule(String key, long delayMs, Runnable task) {
        cancel(key);
        timers.put(key, executor.schedule(() -> {
            timers.remove(key);
            run(task);
        }, delayMs, TimeUnit.MILLISECONDS));
    }

    @Override
    public void cancel(String key) {
        ScheduledFuture<?> f = timers.remove(key);
        if (f != null) {
            f.cancel(false);
        }
    }

    @Override
    public void execute(Runnable task) {
        try {
            executor.execute(() -> run(task));
        } catch (RejectedExecutionException e) {
            log.debug("Coordinator closed: a task is dropped");
        }
    }

    @Override
    public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> result = Scheduler.super.call(work);
        if (!result.isDone()) {
            inFlight.add(result);
            result.whenComplete((v, e) -> inFlight.remove(result));
            if (closed) {
                failInFlight();
            }
        }
        return result;
    }

    private void failInFlight() {
        for (CompletableFuture<?> f : inFlight) {
            f.completeExceptionally(new NotCoordinatorException("This broker stopped coordinating"));
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("Coordinator task failed", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        failInFlight();
        if (Thread.currentThread() != thread) { // the task running now may still write: wait for it, briefly
            try {
                if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                    log.warn("Coordinator thread {} did not stop within 5 s", thread == null ? "" : thread.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
