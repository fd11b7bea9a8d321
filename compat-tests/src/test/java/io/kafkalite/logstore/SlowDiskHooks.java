package io.kafkalite.logstore;

/** Opens {@link SlowDisk}'s test seam to the compat tests. Global to the JVM: reset it after the test. */
public final class SlowDiskHooks {
    private SlowDiskHooks() { }

    public static void fsyncDelayMs(long ms) {
        SlowDisk.fsyncDelayMs = ms;
    }
}
