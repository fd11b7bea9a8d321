package io.kafkalite.groups;

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
}
