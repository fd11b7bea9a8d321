package io.kafkalite.handlers.quota;

/**
 * One client's rate (bytes per second) over a sampled window, measured as Kafka's quota sensors measure
 * it (a {@code Rate} over a windowed sum): {@code quota.window.num} samples of
 * {@code quota.window.size.seconds} each, plus one overlapping sample, in a ring.
 * <ul>
 * <li>A value goes into the current sample; a sample that has lasted a window is complete, and the
 *     next value starts the next slot of the ring (reusing the oldest).</li>
 * <li>A sample without a value for {@code samples} windows is obsolete and starts over, empty.</li>
 * <li>The rate is the sum of the samples over the time since the oldest sample started, counted as at
 *     least {@code samples - 1} full windows, so a new client's first bytes are not taken for a burst.</li>
 * <li>Over the quota, the throttle is the time that brings the rate back to it if nothing more came:
 *     {@code (rate - quota) / quota * window}.</li>
 * </ul>
 * Not thread-safe: {@link QuotaSensors} uses it under its map's per-key lock.
 */
final class QuotaRate {
    private final int samples;
    private final long windowMs;
    private final long[] startMs;
    private final long[] lastEventMs;
    private final double[] sum;
    private int used;
    private int current;
    /** The last time a value was recorded, for expiry of idle clients. */
    private long lastRecordMs;

    QuotaRate(int samples, long windowMs, long nowMs) {
        this.samples = samples;
        this.windowMs = windowMs;
        this.startMs = new long[samples + 1];
        this.lastEventMs = new long[samples + 1];
        this.sum = new double[samples + 1];
        this.lastRecordMs = nowMs;
    }

    void record(double value, long nowMs) {
        if (used == 0) {
            reset(0, nowMs);
            used = 1;
        } else if (nowMs - startMs[current] >= windowMs) {
            current = (current + 1) % (samples + 1);
            used = Math.max(used, current + 1);
            reset(current, nowMs);
        }
        sum[current] += value;
        lastEventMs[current] = nowMs;
        lastRecordMs = nowMs;
    }

    /** Bytes per second over the window. */
    double rate(long nowMs) {
        long window = windowMs(nowMs); // purges first
        double total = 0;
        for (int i = 0; i < used; i++) {
            total += sum[i];
        }
        return total / (window / 1000.0);
    }

    /** The time the rate is taken over, in ms: since the oldest sample started, at least {@code samples - 1} windows. */
    long windowMs(long nowMs) {
        purgeObsolete(nowMs);
        long oldestStart = nowMs;
        for (int i = 0; i < used; i++) {
            oldestStart = Math.min(oldestStart, startMs[i]);
        }
        long elapsed = nowMs - oldestStart;
        long fullWindows = elapsed / windowMs;
        if (fullWindows < samples - 1) {
            elapsed += (samples - 1 - fullWindows) * windowMs;
        }
        return Math.max(elapsed, 1);
    }

    /** The throttle in ms that brings the rate back to {@code quota} (0 when within it). */
    long throttleMs(double quota, long nowMs) {
        double rate = rate(nowMs);
        if (rate <= quota) {
            return 0;
        }
        return Math.round((rate - quota) / quota * windowMs(nowMs));
    }

    /** Whether nothing was recorded for the whole window: every sample is obsolete, so dropping this loses nothing. */
    boolean idle(long nowMs) {
        return nowMs - lastRecordMs >= samples * windowMs;
    }

    private void purgeObsolete(long nowMs) {
        for (int i = 0; i < used; i++) {
            if (nowMs - lastEventMs[i] >= samples * windowMs) {
                reset(i, nowMs);
            }
        }
    }

    private void reset(int i, long nowMs) {
        startMs[i] = nowMs;
        lastEventMs[i] = nowMs;
        sum[i] = 0;
    }
}
