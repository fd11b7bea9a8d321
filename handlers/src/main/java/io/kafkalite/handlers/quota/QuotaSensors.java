package io.kafkalite.handlers.quota;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rates of one quota type (produce or fetch bytes) per client, keyed as Kafka keys its quota
 * sensors: by the user and/or client id that the applying quota names (see {@link ClientQuotaStore#applied}),
 * so clients under one shared quota (a user's) share one rate.
 * <p>Bounded: a rate with no value for the whole window ({@code samples × window}) measures zero, like a new
 * one, so it is dropped (Kafka expires idle sensors after an hour; it keeps them for its metrics). Sweeps run
 * at most once a window, on the recording thread. At {@code maxSensors} live rates a new client is not
 * measured (and so not throttled) until rates expire; a warning says so.
 */
final class QuotaSensors {
    private static final Logger log = LoggerFactory.getLogger(QuotaSensors.class);

    /** What a rate is kept under: the user and client-id tags ("" for a level the quota does not name). */
    record Key(String user, String clientId) { }

    private final String type;
    private final int samples;
    private final long windowMs;
    private final int maxSensors;
    private final ConcurrentHashMap<Key, QuotaRate> rates = new ConcurrentHashMap<>();
    private final AtomicLong nextSweepMs = new AtomicLong();
    private volatile long lastFullWarningMs;

    QuotaSensors(String type, int samples, long windowMs, int maxSensors) {
        this.type = type;
        this.samples = samples;
        this.windowMs = windowMs;
        this.maxSensors = maxSensors;
    }

    /**
     * Adds {@code value} to the client's rate and returns how long it must be throttled, in ms, for the
     * rate to come back to {@code quota} (0 when within it).
     */
    long recordAndGetThrottleMs(Key key, double quota, double value, long nowMs) {
        maybeSweep(nowMs);
        if (!rates.containsKey(key) && rates.size() >= maxSensors) {
            sweep(nowMs);
            if (rates.size() >= maxSensors) {
                warnFull(nowMs);
                return 0;
            }
        }
        long[] throttle = new long[1];
        rates.compute(key, (k, rate) -> {
            QuotaRate r = rate != null ? rate : new QuotaRate(samples, windowMs, nowMs);
            r.record(value, nowMs);
            throttle[0] = r.throttleMs(quota, nowMs);
            return r;
        });
        return throttle[0];
    }

    /** Takes back a value recorded for a response that was not sent (a throttled fetch answers empty). */
    void unrecord(Key key, double value, long nowMs) {
        rates.computeIfPresent(key, (k, rate) -> {
            rate.record(-value, nowMs);
            return rate;
        });
    }

    int size() {
        return rates.size();
    }

    private void maybeSweep(long nowMs) {
        long next = nextSweepMs.get();
        if (nowMs >= next && nextSweepMs.compareAndSet(next, nowMs + windowMs)) {
            sweep(nowMs);
        }
    }

    private void sweep(long nowMs) {
        rates.forEach((key, rate) -> rates.computeIfPresent(key, (k, r) -> r.idle(nowMs) ? null : r));
    }

    private void warnFull(long nowMs) {
        if (nowMs - lastFullWarningMs >= 60_000) {
            lastFullWarningMs = nowMs;
            log.warn("{} quota: {} clients measured in the last {} ms, the most kept; new clients are not throttled until some are idle",
                    type, maxSensors, samples * windowMs);
        }
    }
}
