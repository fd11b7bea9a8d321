package io.kafkalite.logstore;

/**
 * Holds the cleaner to {@code log.cleaner.io.max.bytes.per.second} (read plus written bytes, as Kafka
 * counts them): every 300 ms it compares the bytes done with the rate and sleeps off any excess.
 */
final class Throttler {
    private static final long CHECK_NANOS = 300_000_000L;
    private final double bytesPerSecond;
    private long periodStart = System.nanoTime();
    private double bytes;

    Throttler(double bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    void maybeThrottle(long done) throws InterruptedException {
        if (bytesPerSecond >= Double.MAX_VALUE) {
            return;
        }
        bytes += done;
        long elapsed = System.nanoTime() - periodStart;
        if (elapsed < CHECK_NANOS) {
            return;
        }
        double seconds = elapsed / 1e9;
        if (bytes / seconds > bytesPerSecond) {
            long sleepMs = (long) ((bytes / bytesPerSecond - seconds) * 1000);
            if (sleepMs > 0) {
                Thread.sleep(sleepMs);
            }
        }
        periodStart = System.nanoTime();
        bytes = 0;
    }
}
