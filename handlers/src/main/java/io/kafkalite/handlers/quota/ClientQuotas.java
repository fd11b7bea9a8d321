package io.kafkalite.handlers.quota;

/**
 * Byte-rate quota enforcement, as Kafka's ClientQuotaManager: each produce request's size and each
 * fetch response's size count against the client's {@code producer_byte_rate} / {@code consumer_byte_rate}
 * (the quota that applies by Kafka's precedence, {@link ClientQuotaStore#applied}); a request that takes the
 * rate over it gets the throttle time that brings the rate back (KIP-219). Clients no quota applies to
 * are not measured. Thread-safe.
 */
public final class ClientQuotas {
    /** Most clients measured at once per quota type (see {@link QuotaSensors}). */
    static final int MAX_SENSORS = 100_000;

    private final ClientQuotaStore store;
    private final int samples;
    private final long windowMs;
    private final QuotaSensors produce;
    private final QuotaSensors fetch;

    /**
     * @param samples       {@code quota.window.num} (Kafka: 11)
     * @param windowSeconds {@code quota.window.size.seconds} (Kafka: 1)
     */
    public ClientQuotas(ClientQuotaStore store, int samples, int windowSeconds) {
        this(store, samples, windowSeconds, MAX_SENSORS);
    }

    ClientQuotas(ClientQuotaStore store, int samples, int windowSeconds, int maxSensors) {
        this.store = store;
        this.samples = samples;
        this.windowMs = windowSeconds * 1000L;
        this.produce = new QuotaSensors("Produce", samples, windowMs, maxSensors);
        this.fetch = new QuotaSensors("Fetch", samples, windowMs, maxSensors);
    }

    public ClientQuotaStore store() {
        return store;
    }

    /** A client's applying quota of one type, to measure a request against; null when none applies. */
    public record Limit(QuotaSensors.Key key, double quota) { }

    public Limit produceLimit(String user, String clientId) {
        return limit(ClientQuotaValidation.PRODUCER_BYTE_RATE, user, clientId);
    }

    public Limit fetchLimit(String user, String clientId) {
        return limit(ClientQuotaValidation.CONSUMER_BYTE_RATE, user, clientId);
    }

    private Limit limit(String quotaKey, String user, String clientId) {
        ClientQuotaStore.Applied a = store.applied(quotaKey, user, clientId);
        return a == null ? null : new Limit(a.key(), a.quota());
    }

    /** Counts a produce request's bytes; the throttle in ms (0 within the quota). */
    public long recordProduce(Limit limit, int bytes, long nowMs) {
        return produce.recordAndGetThrottleMs(limit.key(), limit.quota(), bytes, nowMs);
    }

    /**
     * Counts a fetch response's bytes; the throttle in ms (0 within the quota). A throttled fetch is
     * answered empty, so its bytes are taken back, as Kafka does.
     */
    public long recordFetch(Limit limit, int bytes, long nowMs) {
        long throttleMs = fetch.recordAndGetThrottleMs(limit.key(), limit.quota(), bytes, nowMs);
        if (throttleMs > 0) {
            fetch.unrecord(limit.key(), bytes, nowMs);
        }
        return throttleMs;
    }

    /**
     * The most a fetch may return: what fits the quota over {@code samples - 1} windows, so that a response
     * can come back unthrottled after a pause (a larger one would always be over the quota).
     */
    public int maxFetchBytes(Limit limit) {
        return (int) Math.min(Integer.MAX_VALUE, limit.quota() * (samples - 1) * (windowMs / 1000.0));
    }

    int measuredClients() {
        return produce.size() + fetch.size();
    }
}
