package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.requests.FetchMetadata;
import org.junit.jupiter.api.Test;

/** The bound of the fetch session cache and Kafka's eviction rules, on a clock the test moves. */
class FetchSessionCacheTest {
    private static final long EVICTION_MS = 1000;
    private final AtomicLong clock = new AtomicLong(10_000);

    private FetchSessionCache cache(int slots) {
        return new FetchSessionCache(slots, EVICTION_MS, clock::get);
    }

    private static LinkedHashMap<FetchSession.Key, FetchSession.Cached> partitions(int n) {
        LinkedHashMap<FetchSession.Key, FetchSession.Cached> map = new LinkedHashMap<>();
        for (int p = 0; p < n; p++) {
            FetchSession.Key key = new FetchSession.Key(Uuid.ZERO_UUID, "t", p);
            map.put(key, new FetchSession.Cached(key, new FetchPartition().setPartition(p)));
        }
        return map;
    }

    private static int client(FetchSessionCache cache, int size) {
        return cache.create(false, false, partitions(size));
    }

    private static void use(FetchSessionCache cache, int id, long now) {
        FetchSession s = cache.get(id);
        cache.touch(s, s.size(), now);
    }

    @Test
    void aFullCacheOfYoungSessionsDeclinesNewClientSessions() {
        FetchSessionCache cache = cache(3);
        int a = client(cache, 5);
        int b = client(cache, 5);
        int c = client(cache, 5);
        assertEquals(3, cache.size());
        assertEquals(1, cache.get(a).epoch, "a new session expects epoch 1 next");

        clock.addAndGet(EVICTION_MS / 2);
        assertEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 1000), "young sessions are not evicted, even for a bigger one");
        assertEquals(3, cache.size());
        assertNotNull(cache.get(a));
        assertNotNull(cache.get(b));
        assertNotNull(cache.get(c));
        assertEquals(0, cache.evictions());
    }

    @Test
    void aSessionUnusedForLongerThanTheEvictionTimeMakesRoom() {
        FetchSessionCache cache = cache(2);
        int stale = client(cache, 50);
        clock.addAndGet(10);
        int used = client(cache, 50);

        clock.addAndGet(EVICTION_MS - 5);
        use(cache, used, clock.get());
        clock.addAndGet(10); // stale unused for EVICTION_MS + 5, used for 10 ms

        int fresh = client(cache, 1);
        assertNotEquals(FetchMetadata.INVALID_SESSION_ID, fresh, "a small session takes the stale session's place");
        assertNull(cache.get(stale));
        assertNotNull(cache.get(used));
        assertEquals(1, cache.evictions());
    }

    @Test
    void anOldSessionIsEvictedOnlyForABiggerOneAndTheSmallestGoesFirst() {
        FetchSessionCache cache = cache(3);
        int five = client(cache, 5);
        int two = client(cache, 2);
        int eight = client(cache, 8);
        clock.addAndGet(EVICTION_MS + 1);
        for (int id : new int[] {five, two, eight}) {
            use(cache, id, clock.get()); // used now, but older than the eviction time
        }

        assertEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 2), "not bigger than the smallest: declined");
        int three = client(cache, 3);
        assertNotEquals(FetchMetadata.INVALID_SESSION_ID, three);
        assertNull(cache.get(two), "the smallest session was evicted");
        assertNotNull(cache.get(five));
        assertNotNull(cache.get(eight));
        assertEquals(3, cache.size());
        assertEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 4), "the new session is young: only 5 and 8 are evictable");
        assertNotEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 6));
        assertNull(cache.get(five));
    }

    @Test
    void aFollowerSessionEvictsAYoungClientSessionButNotAYoungFollowerSession() {
        FetchSessionCache cache = cache(2);
        int clientSession = client(cache, 100);
        int follower = cache.create(true, true, partitions(1));
        assertNotEquals(FetchMetadata.INVALID_SESSION_ID, follower);

        int second = cache.create(true, true, partitions(1));
        assertNotEquals(FetchMetadata.INVALID_SESSION_ID, second, "a privileged session evicts a client's session of any size");
        assertNull(cache.get(clientSession));
        assertEquals(FetchMetadata.INVALID_SESSION_ID, cache.create(true, true, partitions(500)),
                "young follower sessions are not evictable");
        assertEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 500));
        assertNotNull(cache.get(follower));
        assertNotNull(cache.get(second));
    }

    @Test
    void noSlotsDeclinesEverySession() {
        FetchSessionCache cache = cache(0);
        assertEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 1));
        assertEquals(FetchMetadata.INVALID_SESSION_ID, cache.create(true, false, partitions(1)));
        assertEquals(0, cache.size());
    }

    @Test
    void fillingABigCacheStopsAtItsBound() {
        FetchSessionCache cache = cache(FetchHandler.DEFAULT_SESSION_SLOTS);
        for (int i = 0; i < FetchHandler.DEFAULT_SESSION_SLOTS; i++) {
            assertNotEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 1));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 1));
        }
        assertEquals(FetchHandler.DEFAULT_SESSION_SLOTS, cache.size());
    }

    @Test
    void removedSessionsFreeTheirSlot() {
        FetchSessionCache cache = cache(1);
        int a = client(cache, 1);
        assertEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 1));
        cache.remove(a);
        assertNotEquals(FetchMetadata.INVALID_SESSION_ID, client(cache, 1));
    }
}
