package io.kafkalite.handlers;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.apache.kafka.common.requests.FetchMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's fetch sessions, at most {@code max.incremental.fetch.session.cache.slots} of them, shared by
 * all connections (a client keeps its session across reconnects). When full, a new session may take the
 * place of an existing one as in Kafka's FetchSessionCache:
 * <ol>
 * <li>the least recently used session, if it was unused for longer than the eviction time (2 minutes);</li>
 * <li>else, for a follower's (privileged) session, any client session, or a follower session older than
 *     the eviction time with fewer partitions;</li>
 * <li>else a session older than the eviction time with fewer partitions than the new one (fewest first).</li>
 * </ol>
 * Otherwise the new session is declined (session id 0) and the client goes on with full fetches. Kafka
 * splits its cache into 8 shards of an eighth of the slots each; one cache of all the slots admits
 * every session Kafka would and more.
 * <p>Thread safety: every method is synchronized; it may take a session's monitor inside its own, never
 * the other way round.
 */
final class FetchSessionCache {
    private static final Logger log = LoggerFactory.getLogger(FetchSessionCache.class);
    /** Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS. */
    static final long EVICTION_MS = 120_000;

    /** Orders sessions for eviction: clients' before followers', then fewest partitions, then by id. */
    private static final Comparator<FetchSession> EVICTABLE = Comparator.<FetchSession, Boolean>comparing(s -> s.privileged)
            .thenComparingInt(s -> s.cachedSize).thenComparingInt(s -> s.id);
    private static final Comparator<FetchSession> LAST_USED = Comparator.<FetchSession>comparingLong(s -> s.lastUsedMs)
            .thenComparingInt(s -> s.id);

    private final int maxSessions;
    private final long evictionMs;
    private final LongSupplier clock;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private final TreeMap<FetchSession, FetchSession> lastUsed = new TreeMap<>(LAST_USED);
    /** Sessions a client's new session may evict: older than the eviction time. */
    private final TreeMap<FetchSession, FetchSession> evictableByAll = new TreeMap<>(EVICTABLE);
    /** Sessions a follower's new session may evict: clients' sessions, and followers' older than the eviction time. */
    private final TreeMap<FetchSession, FetchSession> evictableByPrivileged = new TreeMap<>(EVICTABLE);
    private long evictions;

    FetchSessionCache(int maxSessions) {
        this(maxSessions, EVICTION_MS, System::currentTimeMillis);
    }

    FetchSessionCache(int maxSessions, long evictionMs, LongSupplier clock) {
        this.maxSessions = maxSessions;
        this.evictionMs = evictionMs;
        this.clock = clock;
    }

    long now() {
        return clock.getAsLong();
    }

    synchronized FetchSession get(int id) {
        return sessions.get(id);
    }

    synchronized int size() {
        return sessions.size();
    }

    synchronized long evictions() {
        return evictions;
    }

    /**
     * Creates a session of these partitions if there is a free slot or one may be evicted for it.
     * @return the new session's id, or {@link FetchMetadata#INVALID_SESSION_ID} when declined
     */
    synchronized int create(boolean privileged, boolean usesTopicIds, LinkedHashMap<FetchSession.Key, FetchSession.Cached> partitions) {
        long now = now();
        if (sessions.size() >= maxSessions && !evictFor(privileged, partitions.size(), now)) {
            log.debug("No fetch session for {} partitions (privileged {}): the cache is full", partitions.size(), privileged);
            return FetchMetadata.INVALID_SESSION_ID;
        }
        FetchSession session = new FetchSession(newId(), privileged, usesTopicIds, now, FetchMetadata.nextEpoch(FetchMetadata.INITIAL_EPOCH),
                partitions);
        sessions.put(session.id, session);
        touch(session, partitions.size(), now);
        return session.id;
    }

    private int newId() {
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id));
        return id;
    }

    /** Kafka's rules (see the class comment); true when a session was evicted. */
    private boolean evictFor(boolean privileged, int size, long now) {
        Map.Entry<FetchSession, FetchSession> oldest = lastUsed.firstEntry();
        if (oldest == null) {
            return false;
        }
        if (now - oldest.getKey().lastUsedMs > evictionMs) {
            evict(oldest.getValue());
            return true;
        }
        Map.Entry<FetchSession, FetchSession> candidate = (privileged ? evictableByPrivileged : evictableByAll).firstEntry();
        if (candidate == null) {
            return false;
        }
        FetchSession victim = candidate.getValue();
        // the new session's key (privileged, size, id 0) must not sort before the victim's: ids are positive
        int cmp = Boolean.compare(privileged, victim.privileged);
        if (cmp < 0 || (cmp == 0 && size <= victim.cachedSize)) {
            return false;
        }
        evict(victim);
        return true;
    }

    private void evict(FetchSession session) {
        log.debug("Evicting fetch session {}", session);
        remove(session);
        evictions++;
    }

    synchronized void remove(int id) {
        FetchSession session = sessions.get(id);
        if (session != null) {
            remove(session);
        }
    }

    synchronized void remove(FetchSession session) {
        if (sessions.remove(session.id, session)) {
            lastUsed.remove(session);
            evictableByAll.remove(session);
            evictableByPrivileged.remove(session);
        }
    }

    /** Marks the session used now, with its current number of partitions (its eviction key). */
    synchronized void touch(FetchSession session, int size, long now) {
        if (sessions.get(session.id) != session) {
            return; // evicted meanwhile
        }
        lastUsed.remove(session);
        evictableByAll.remove(session);
        evictableByPrivileged.remove(session);
        session.lastUsedMs = now;
        session.cachedSize = size;
        lastUsed.put(session, session);
        boolean old = now - session.creationMs > evictionMs;
        if (!session.privileged || old) {
            evictableByPrivileged.put(session, session);
        }
        if (old) {
            evictableByAll.put(session, session);
        }
    }
}
