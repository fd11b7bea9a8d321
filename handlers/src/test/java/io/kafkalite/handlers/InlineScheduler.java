package io.kafkalite.handlers;

import io.kafkalite.groups.Scheduler;

/** A coordinator scheduler for handler tests: work runs on the caller's thread, timers never fire. */
final class InlineScheduler implements Scheduler {
    @Override
    public long now() {
        return System.currentTimeMillis();
    }

    @Override
    public void schedule(String key, long delayMs, Runnable task) { }

    @Override
    public void cancel(String key) { }

    @Override
    public void execute(Runnable task) {
        task.run();
    }
}
