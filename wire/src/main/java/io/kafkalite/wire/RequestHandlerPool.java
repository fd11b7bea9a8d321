package io.kafkalite.wire;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's request-handler pool: {@code num.io.threads} threads that run the handlers, so the network
 * threads (event loops) never wait on the disk. Its queue holds at most {@code queued.max.requests}
 * tasks; {@link #execute} throws {@link RejectedExecutionException} when it is full. Since each
 * connection has at most one request here, the backlog is bounded by the connection count anyway;
 * a connection whose request is refused holds it (not reading) and registers with
 * {@link #whenSlotFree} to retry as soon as a handler thread takes the next task.
 */
public final class RequestHandlerPool implements Executor, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RequestHandlerPool.class);

    private final ThreadPoolExecutor executor;
    private final Queue<Runnable> slotWaiters = new ConcurrentLinkedQueue<>();

    /**
     * @param threads   {@code num.io.threads}
     * @param queueSize {@code queued.max.requests}
     */
    public RequestHandlerPool(int threads, int queueSize) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new HandlerThread(r, "request-handler-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueSize), factory) {
            @Override
            protected void beforeExecute(Thread t, Runnable r) {
                wakeSlotWaiters(); // a task left the queue: one slot is free
            }

            @Override
            protected void afterExecute(Runnable r, Throwable t) {
                ((HandlerThread) Thread.currentThread()).runAfterTask();
            }
        };
    }

    /**
     * Runs {@code action} on this request-handler thread as soon as its current task has returned, as Kafka's
     * action queue completes delayed requests after a handler's appends: a parked fetch woken by an append is
     * read here, not handed to another thread (a hand-off costs a scheduling delay, which shows in latency
     * tails on busy cores), and only once the whole request's appends are done.
     * @return false when the caller is not a request-handler thread (it must hand the action over itself)
     */
    public static boolean runAfterCurrentTask(Runnable action) {
        if (Thread.currentThread() instanceof HandlerThread t) {
            t.afterTask.add(action);
            return true;
        }
        return false;
    }

    /** A pool thread with the actions its current task left for after it (at most one per parked fetch). */
    private static final class HandlerThread extends Thread {
        private final ArrayDeque<Runnable> afterTask = new ArrayDeque<>();

        HandlerThread(Runnable r, String name) {
            super(r, name);
        }

        void runAfterTask() {
            Runnable action;
            while ((action = afterTask.poll()) != null) { // an action may add more (a read that moves a high watermark)
                try {
                    action.run();
                } catch (RuntimeException e) {
                    log.error("An action left for after a request failed", e);
                }
            }
        }
    }

    /** @throws RejectedExecutionException when {@code queued.max.requests} tasks are already waiting, or after {@link #close} */
    @Override
    public void execute(Runnable task) {
        executor.execute(task);
    }

    /**
     * Runs {@code retry} (on the calling thread of the wake-up: it should only hand over to an event
     * loop) once the queue has room again, or at once if it has room now.
     */
    public void whenSlotFree(Runnable retry) {
        slotWaiters.add(retry);
        if (executor.getQueue().remainingCapacity() > 0) {
            wakeSlotWaiters(); // the slot freed before we registered
        }
    }

    private void wakeSlotWaiters() {
        Runnable r;
        while ((r = slotWaiters.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("Could not resume a connection waiting for a request-handler slot", e);
            }
        }
    }

    /**
     * Changes the thread count ({@code num.io.threads} changed at run time): new threads start as tasks come,
     * surplus ones end when they finish their current task.
     */
    public synchronized void resize(int threads) {
        if (threads > executor.getMaximumPoolSize()) {
            executor.setMaximumPoolSize(threads);
            executor.setCorePoolSize(threads);
        } else {
            executor.setCorePoolSize(threads);
            executor.setMaximumPoolSize(threads);
        }
        log.info("Request-handler threads: {}", threads);
    }

    /** The thread count now. */
    public int threads() {
        return executor.getMaximumPoolSize();
    }

    /** Stops taking tasks and waits up to 5 seconds for the running ones. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Request handlers still busy after 5 s; interrupting them");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
