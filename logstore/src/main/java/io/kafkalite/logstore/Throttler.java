package io.kafkalite.logstore;

/**
 * Holds the cleaner threads together to {@code log.cleaner.io.max.bytes.per.second} (read plus written
 * bytes, as Kafka counts them): every 300 ms, or sooner when more than 300 ms worth of bytes were done,
 * it compares the bytes with the rate and sleeps off any excess.
 */
final class Throttler {
    private static final long CHECK_NANOS = 300_000_000L;
    private final double bytesPerSecond;
    private long periodStart = System.nanoTime();
    private double bytes;

    Throttler(double bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    synchronized void maybeThrottle(long done) throws InterruptedException { // shared: the threads sleep in turn, as Kafka's
        if (bytesPerSecond >= Double.MAX_VALUE) {
            return;
        }
        bytes += done;
        long elapsed = System.nanoTime() - periodStart;
        double needed = bytes / bytesPerSecond; // seconds these bytes may take at the rate
        if (elapsed < CHECK_NANOS && needed < CHECK_NANOS / 1e9) {
            return; // a burst of up to 300 ms worth of bytes goes at once
        }
        long sleepMs = (long) ((needed - elapsed / 1e9) * 1000);
        if (sleepMs > 0) {
            Thread.sleep(sleepMs);
        }
        periodStart = System.nanoTime();
        bytes = 0;
    }
}
