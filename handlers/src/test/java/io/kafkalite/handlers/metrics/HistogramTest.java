package io.kafkalite.handlers.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HistogramTest {
    @Test
    void bucketsHoldTheirValuesWithin12Point5Percent() {
        for (long v = 0; v < 5_000_000; v = v < 100 ? v + 1 : v + v / 7) {
            int b = Histogram.bucket(v);
            assertTrue(Histogram.lowerBound(b) <= v && v <= Histogram.upperBound(b), v + " in bucket " + b);
            assertTrue(Histogram.upperBound(b) - Histogram.lowerBound(b) <= Math.max(0, v / 8), "width at " + v);
        }
        assertEquals(Histogram.BUCKETS - 1, Histogram.bucket(Long.MAX_VALUE), "larger values land in the last bucket");
        assertEquals(Histogram.BUCKETS - 1, Histogram.bucket(Histogram.MAX_VALUE));
    }

    @Test
    void percentilesCountAndMean() {
        // given
        Histogram h = new Histogram();
        // when: 1..100 ms
        for (int v = 1; v <= 100; v++) {
            h.record(v);
        }
        // then
        assertEquals(100, h.getCount());
        assertEquals(50.5, h.getMean(), 1e-9);
        assertEquals(50, h.get50thPercentile(), 50 * 0.125);
        assertEquals(99, h.get99thPercentile(), 99 * 0.125);
        assertEquals(1, h.getMin());
        assertTrue(h.getMax() >= 100 && h.getMax() <= 100 * 1.125);
        Histogram small = new Histogram();
        small.record(3);
        assertEquals(3, small.get999thPercentile(), "exact below 16");
    }

    @Test
    void theWindowForgetsOldValuesButTheCountDoesNot() {
        // given: slow requests, then two minutes of ticks, then fast ones
        Histogram h = new Histogram();
        for (int i = 0; i < 50; i++) {
            h.record(1000);
        }
        for (int t = 0; t < 2 * 60 / Meter.TICK_SECONDS; t++) {
            h.tick();
        }
        for (int i = 0; i < 50; i++) {
            h.record(2);
        }
        // then
        assertEquals(2, h.get99thPercentile());
        assertEquals(2, h.getMax());
        assertEquals(100, h.getCount());
    }
}
