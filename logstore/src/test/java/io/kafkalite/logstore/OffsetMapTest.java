package io.kafkalite.logstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The cleaner's bounded key map, and its I/O throttle. */
class OffsetMapTest {
    private static ByteBuffer key(int i) {
        return ByteBuffer.wrap(("key-" + i).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void growsOnDemandUpToItsBoundThenReportsFull() {
        OffsetMap map = new OffsetMap(24 * 8192, 0.9); // 8,192 slots at most
        int taken = 0;
        while (!map.full()) {
            map.put(key(taken), taken);
            map.put(key(taken), taken + 1_000_000L); // a later offset of the same key replaces it
            taken++;
        }
        assertEquals((int) (8192 * 0.9), taken, "keys up to the load factor of the largest table");
        assertEquals(taken, map.size());
        for (int i = 0; i < taken; i++) {
            assertEquals(i + 1_000_000L, map.get(key(i)), "survived the growths: key-" + i);
        }
        assertEquals(-1, map.get(key(taken + 1)));
        assertEquals(taken - 1 + 1_000_000L, map.latestOffset());
        map.clear();
        assertEquals(0, map.size());
        assertEquals(-1, map.get(key(0)));
        assertFalse(map.full());
    }

    @Test
    void theThrottleHoldsTheRate() throws Exception {
        Throttler throttler = new Throttler(4_000_000);
        long start = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            throttler.maybeThrottle(100_000); // 3 MB at 4 MB/s
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 500, "3 MB took " + ms + " ms at 4 MB/s");
    }
}
