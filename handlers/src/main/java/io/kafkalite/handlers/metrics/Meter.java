package io.kafkalite.handlers.metrics;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A count of events and its rates, as Kafka's "PerSec" meters: the count is a {@link LongAdder} (cheap from
 * any thread); the 1, 5 and 15 minute rates are exponentially weighted moving averages that {@link #tick}
 * updates from the count every {@link #TICK_SECONDS} seconds, as Yammer's meters do, so marking costs nothing more.
 */
public final class Meter implements MeterMBean {
    public static final int TICK_SECONDS = 5;
    private static final double M1_ALPHA = alpha(1);
    private static final double M5_ALPHA = alpha(5);
    private static final double M15_ALPHA = alpha(15);

    private final LongAdder count = new LongAdder();
    private final String eventType;
    private final long startNanos = System.nanoTime();
    // written by the ticking thread only
    private long lastTickCount;
    private boolean ticked;
    private volatile double m1;
    private volatile double m5;
    private volatile double m15;

    public Meter(String eventType) {
        this.eventType = eventType;
    }

    private static double alpha(int minutes) {
        return 1 - Math.exp(-TICK_SECONDS / 60.0 / minutes);
    }

    public void mark(long n) {
        count.add(n);
    }

    public void mark() {
        count.increment();
    }

    /** Folds the events since the last tick into the rates; called every {@link #TICK_SECONDS} s by one thread. */
    void tick() {
        long now = count.sum();
        double instant = (now - lastTickCount) / (double) TICK_SECONDS;
        lastTickCount = now;
        if (ticked) {
            m1 += M1_ALPHA * (instant - m1);
            m5 += M5_ALPHA * (instant - m5);
            m15 += M15_ALPHA * (instant - m15);
        } else {
            m1 = m5 = m15 = instant;
            ticked = true;
        }
    }

    @Override
    public long getCount() {
        return count.sum();
    }

    @Override
    public double getMeanRate() {
        double seconds = (System.nanoTime() - startNanos) / (double) TimeUnit.SECONDS.toNanos(1);
        return seconds <= 0 ? 0 : getCount() / seconds;
    }

    @Override
    public double getOneMinuteRate() {
        return m1;
    }

    @Override
    public double getFiveMinuteRate() {
        return m5;
    }

    @Override
    public double getFifteenMinuteRate() {
        return m15;
    }

    @Override
    public String getRateUnit() {
        return "SECONDS";
    }

    @Override
    public String getEventType() {
        return eventType;
    }
}
