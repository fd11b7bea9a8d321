package io.kafkalite.broker;

import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Fault injection: makes this broker answer chosen requests with an error, late, never, or by closing
 * the connection, so tests can exercise a client's retry, rebalance and idempotence logic.
 * <pre>{@code
 * broker.faults().on("PRODUCE").topic("orders").partition(0).failNext(3, "NOT_LEADER_OR_FOLLOWER");
 * broker.faults().on("FETCH").delay(Duration.ofMillis(300));          // until cleared, or .times(n)
 * broker.faults().on("JOIN_GROUP").group("g1").failNext(1, "REBALANCE_IN_PROGRESS");
 * broker.faults().on("PRODUCE").dropConnection();                     // the next matching request
 * broker.faults().on("FETCH").stall();                                // until cleared
 * broker.faults().clear();
 * }</pre>
 * APIs and errors are named as in Kafka's {@code ApiKeys} and {@code Errors} enums, or by number, so
 * this API does not depend on a kafka-clients version. A request is affected by the first installed
 * fault that matches it and has uses left; each use is claimed atomically. Thread-safe.
 * <p>Bounds: at most 1000 faults are installed at once (a used-up fault
 * removes itself); a delay is at most 10 minutes; a held (delayed or stalled) request is at most one
 * per connection, since the broker serves a connection's requests one at a time, and is dropped when
 * its connection closes.
 */
public final class Faults {
    private final FaultInjector injector;

    Faults(FaultInjector injector) {
        this.injector = injector;
    }

    /** A fault for requests of this API, by its name in Kafka's {@code ApiKeys} ({@code "PRODUCE"}, {@code "JOIN_GROUP"}). */
    public FaultBuilder on(String api) {
        if (api == null) {
            throw new IllegalArgumentException("api must not be null");
        }
        ApiKeys key;
        try {
            key = ApiKeys.valueOf(api.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown API \"" + api + "\": expected a name of Kafka's ApiKeys enum such as "
                    + "PRODUCE, FETCH, METADATA, JOIN_GROUP, or a numeric api key");
        }
        return on(key);
    }

    /** A fault for requests of this API, by its numeric key (0 is PRODUCE, 1 FETCH, 11 JOIN_GROUP). */
    public FaultBuilder on(int apiKey) {
        if (!ApiKeys.hasId(apiKey)) {
            throw new IllegalArgumentException("Unknown api key " + apiKey);
        }
        return on(ApiKeys.forId(apiKey));
    }

    private FaultBuilder on(ApiKeys api) {
        if (!injector.serves(api)) {
            throw new IllegalArgumentException(api.name() + " is not served by this broker: a fault for it would never fire");
        }
        return new FaultBuilder(injector, api);
    }

    /** The installed faults that still have uses left, oldest first. */
    public List<Fault> active() {
        return injector.active();
    }

    /**
     * Removes every fault, and hands the requests that stalls still hold to their handlers (they are
     * answered late, if their clients still wait). Delayed requests finish their delay.
     */
    public void clear() {
        injector.clear();
    }
}
