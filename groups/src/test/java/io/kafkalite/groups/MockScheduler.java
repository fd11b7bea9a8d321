package io.kafkalite.groups;

import java.util.HashMap;
import java.util.Map;

/** A scheduler whose clock moves only in {@link #sleep}: tasks run at once, timers fire when due. */
final class MockScheduler implements Scheduler {
    private record Timer(long due, Runnable task) { }

    private long now = 1_000_000;
    private final Map<String, Timer> timers = new HashMap<>();

    @Override
    public long now() {
        return now;
    }

    @Override
    public void schedule(String key, long delayMs, Runnable task) {
        timers.put(key, new Timer(now + delayMs, task));
    }

    @Override
    public void cancel(String key) {
        timers.remove(key);
    }

    @Override
    public void execute(Runnable task) {
        task.run();
    }

    boolean has(String key) {
        return timers.containsKey(key);
    }

    /** Advances the clock, firing due timers in order of their due time. */
    void sleep(long ms) {
        long target = now + ms;
        while (true) {
            Map.Entry<String, Timer> next = timers.entrySet().stream().filter(e -> e.getValue().due() <= target)
                    .min((a, b) -> Long.compare(a.getValue().due(), b.getValue().due())).orElse(null);
            if (next == null) {
                break;
            }
            timers.remove(next.getKey());
            now = Math.max(now, next.getValue().due());
            next.getValue().task().run();
        }
        now = target;
    }
}
