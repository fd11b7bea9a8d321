package io.kafkalite.groups;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The real {@link Scheduler}: one thread that runs every coordinator task and timer. */
public final class CoordinatorThread implements Scheduler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorThread.class);

    private final ScheduledExecutorService executor;
    private final Map<String, ScheduledFuture<?>> timers = new HashMap<>(); // touched on the coordinator thread only

    public CoordinatorThread() {
        this("group-coordinator");
    }

    public CoordinatorThread(String name) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
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
        executor.execute(() -> run(task));
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
        executor.shutdownNow();
    }
}
