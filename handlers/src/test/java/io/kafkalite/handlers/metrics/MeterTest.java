package io.kafkalite.handlers.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MeterTest {
    @Test
    void ratesFollowTheCountAsYammersMovingAverages() {
        // given
        Meter m = new Meter("bytes");
        // when: 500 events in each of 12 ticks (100 per second for a minute)
        for (int t = 0; t < 12; t++) {
            m.mark(500);
            m.tick();
        }
        // then
        assertEquals(6000, m.getCount());
        assertEquals(100, m.getOneMinuteRate(), 1e-9, "steady input: every average is the rate");
        assertEquals(100, m.getFifteenMinuteRate(), 1e-9);
        // when: a minute with nothing
        for (int t = 0; t < 12; t++) {
            m.tick();
        }
        // then: the one-minute average falls to 1/e of it, the fifteen-minute one barely moves
        assertEquals(100 / Math.E, m.getOneMinuteRate(), 0.01);
        assertTrue(m.getFifteenMinuteRate() > 90);
        assertEquals("bytes", m.getEventType());
    }
}
