package io.kafkalite.logstore;

/**
 * Fault injection for tests: latency added to every segment fsync, as a slow or overloaded disk has.
 * Zero (no cost but a volatile read) unless a test sets it.
 */
final class SlowDisk {
    static volatile long fsyncDelayMs;

    private SlowDisk() { }

    static void beforeFsync() throws InterruptedException {
        long delay = fsyncDelayMs;
        if (delay > 0) {
            Thread.sleep(delay);
        }
    }
}
