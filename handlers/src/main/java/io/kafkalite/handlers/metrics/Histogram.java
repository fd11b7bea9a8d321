package io.kafkalite.handlers.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram of non-negative values (milliseconds) in fixed log-linear buckets: 0-15 exactly, then 8 buckets
 * per power of two (values within 12.5%), up to {@link #MAX_VALUE}. Recording is one atomic increment and one
 * {@link LongAdder} add, with no allocation. Count is over all time, as in Kafka; the other statistics cover a
 * recent window of one to two minutes (Kafka's reservoir favours the last five), from snapshots that
 * {@link #tick} takes.
 */
public final class Histogram implements HistogramMBean {
    private static final int EXACT = 16;
    private static final int SUB_BITS = 3;
    private static final int MAX_EXPONENT = 24;
    /** Larger values are counted in the last bucket. */
    static final long MAX_VALUE = (1L << (MAX_EXPONENT + 1)) - 1;
    static final int BUCKETS = EXACT + (MAX_EXPONENT - SUB_BITS) * (1 << SUB_BITS);
    private static final int TICKS_PER_WINDOW = 60 / Meter.TICK_SECONDS;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final LongAdder sum = new LongAdder();
    /** Counts and sum at the start of the window; replaced by the ticking thread. */
    private volatile Snapshot windowStart = new Snapshot(new long[BUCKETS], 0);
    private Snapshot next = windowStart;
    private int ticks;

    private record Snapshot(long[] counts, long sum) { }

    public void record(long value) {
        long v = Math.max(0, value);
        counts.incrementAndGet(bucket(v));
        sum.add(v);
    }

    static int bucket(long v) {
        if (v < EXACT) {
            return (int) v;
        }
        if (v > MAX_VALUE) {
            return BUCKETS - 1;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v); // >= 4
        int sub = (int) (v >>> (exponent - SUB_BITS)) & ((1 << SUB_BITS) - 1);
        return EXACT + (exponent - 4) * (1 << SUB_BITS) + sub;
    }

    static long lowerBound(int bucket) {
        if (bucket < EXACT) {
            return bucket;
        }
        int exponent = (bucket - EXACT) / (1 << SUB_BITS) + 4;
        int sub = (bucket - EXACT) % (1 << SUB_BITS);
        return (long) ((1 << SUB_BITS) + sub) << (exponent - SUB_BITS);
    }

    /** The largest value the bucket holds. */
    static long upperBound(int bucket) {
        return bucket == BUCKETS - 1 ? MAX_VALUE : lowerBound(bucket + 1) - 1;
    }

    private static double midpoint(int bucket) {
        return (lowerBound(bucket) + upperBound(bucket)) / 2.0;
    }

    /** Every {@link Meter#TICK_SECONDS} s, by one thread: each minute the window moves on by a minute. */
    void tick() {
        if (++ticks < TICKS_PER_WINDOW) {
            return;
        }
        ticks = 0;
        windowStart = next;
        next = snapshot();
    }

    private Snapshot snapshot() {
        long[] c = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts.get(i);
        }
        return new Snapshot(c, sum.sum());
    }

    /** The window's counts: now minus its start. */
    private long[] window() {
        long[] start = windowStart.counts();
        long[] w = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            w[i] = counts.get(i) - start[i];
        }
        return w;
    }

    private static long total(long[] w) {
        long n = 0;
        for (long c : w) {
            n += c;
        }
        return n;
    }

    /** The value at quantile q of the window (a bucket's midpoint; exact below 16), 0 when it is empty. */
    public double percentile(double q) {
        long[] w = window();
        long n = total(w);
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += w[i];
            if (seen >= rank) {
                return midpoint(i);
            }
        }
        return upperBound(BUCKETS - 1);
    }

    @Override
    public long getCount() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    @Override
    public double getMin() {
        long[] w = window();
        for (int i = 0; i < BUCKETS; i++) {
            if (w[i] > 0) {
                return lowerBound(i);
            }
        }
        return 0;
    }

    @Override
    public double getMax() {
        long[] w = window();
        for (int i = BUCKETS - 1; i >= 0; i--) {
            if (w[i] > 0) {
                return upperBound(i);
            }
        }
        return 0;
    }

    @Override
    public double getMean() {
        Snapshot start = windowStart;
        long n = total(window());
        return n == 0 ? 0 : (sum.sum() - start.sum()) / (double) n;
    }

    @Override
    public double getStdDev() {
        long[] w = window();
        long n = total(w);
        if (n < 2) {
            return 0;
        }
        double mean = 0;
        for (int i = 0; i < BUCKETS; i++) {
            mean += w[i] * midpoint(i);
        }
        mean /= n;
        double squares = 0;
        for (int i = 0; i < BUCKETS; i++) {
            double d = midpoint(i) - mean;
            squares += w[i] * d * d;
        }
        return Math.sqrt(squares / (n - 1));
    }

    @Override
    public double get50thPercentile() {
        return percentile(0.5);
    }

    @Override
    public double get75thPercentile() {
        return percentile(0.75);
    }

    @Override
    public double get95thPercentile() {
        return percentile(0.95);
    }

    @Override
    public double get98thPercentile() {
        return percentile(0.98);
    }

    @Override
    public double get99thPercentile() {
        return percentile(0.99);
    }

    @Override
    public double get999thPercentile() {
        return percentile(0.999);
    }
}
