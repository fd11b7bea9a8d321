package io.kafkalite.handlers.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Kafka's quota arithmetic on a simulated clock: 11 samples of 1 s. */
class QuotaSensorsTest {
    private static final QuotaSensors.Key A = new QuotaSensors.Key("", "a");
    private static final QuotaSensors.Key B = new QuotaSensors.Key("", "b");
    private static final QuotaSensors.Key C = new QuotaSensors.Key("", "c");

    @Test
    void aFirstBurstIsMeasuredOverTenWindowsAndTheThrottleBringsTheRateBack() {
        QuotaSensors sensors = new QuotaSensors("Produce", 11, 1000, 10);
        assertEquals(0, sensors.recordAndGetThrottleMs(A, 1000, 10_000, 0), "10 windows' worth at once is within 1000 B/s");
        assertEquals(10_000, sensors.recordAndGetThrottleMs(A, 1000, 10_000, 0),
                "twice that: (2000 - 1000) / 1000 x 10 s");
        assertEquals(0, sensors.recordAndGetThrottleMs(B, 1000, 10_000, 0), "another client has its own rate");
    }

    @Test
    void aClientThatWaitsOutEachThrottleGetsTheQuota() {
        // given a client sending 64 KB requests as fast as it may, against 100 KB/s
        QuotaSensors sensors = new QuotaSensors("Produce", 11, 1000, 10);
        double quota = 100 * 1024;
        long now = 0;
        long sent = 0;
        // when it runs for 60 simulated seconds, 5 ms per request when not throttled
        while (now < 60_000) {
            long throttle = sensors.recordAndGetThrottleMs(A, quota, 64 * 1024, now);
            sent += 64 * 1024;
            now += Math.max(5, throttle);
        }
        // then
        double rate = sent / (now / 1000.0);
        assertTrue(Math.abs(rate - quota) / quota < 0.1, "rate " + rate + " vs quota " + quota);
    }

    @Test
    void anIdleClientsRateIsDroppedAfterTheWindow() {
        QuotaSensors sensors = new QuotaSensors("Fetch", 11, 1000, 10);
        sensors.recordAndGetThrottleMs(A, 1000, 20_000, 0);
        sensors.recordAndGetThrottleMs(B, 1000, 100, 5_000);
        assertEquals(2, sensors.size());
        sensors.recordAndGetThrottleMs(B, 1000, 100, 11_000);
        assertEquals(1, sensors.size(), "a, idle for 11 windows, is gone");
        assertEquals(0, sensors.recordAndGetThrottleMs(A, 1000, 100, 11_000), "and comes back as new, as its samples would have");
    }

    @Test
    void atMostMaxSensorsClientsAreMeasured() {
        // given room for two
        QuotaSensors sensors = new QuotaSensors("Produce", 11, 1000, 2);
        sensors.recordAndGetThrottleMs(A, 1000, 20_000, 0);
        sensors.recordAndGetThrottleMs(B, 1000, 20_000, 0);
        // when a third comes while both are live, then it is not measured
        assertEquals(0, sensors.recordAndGetThrottleMs(C, 1000, 50_000, 100));
        assertEquals(2, sensors.size());
        assertTrue(sensors.recordAndGetThrottleMs(A, 1000, 1, 100) > 0, "the measured ones still are");
        // when the others went idle, then it is
        assertTrue(sensors.recordAndGetThrottleMs(C, 1000, 50_000, 20_000) > 0);
        assertEquals(1, sensors.size());
    }

    @Test
    void unrecordTakesBackAThrottledFetch() {
        QuotaSensors sensors = new QuotaSensors("Fetch", 11, 1000, 10);
        sensors.recordAndGetThrottleMs(A, 1000, 9_000, 0);
        long throttle = sensors.recordAndGetThrottleMs(A, 1000, 5_000, 0);
        assertTrue(throttle > 0);
        sensors.unrecord(A, 5_000, 0);
        assertEquals(0, sensors.recordAndGetThrottleMs(A, 1000, 1_000, 0), "back at 9,000 + 1,000 over 10 s");
    }
}
