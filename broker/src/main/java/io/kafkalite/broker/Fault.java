package io.kafkalite.broker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * One installed fault, as returned by {@link FaultBuilder}: which requests it matches, what it does to
 * them and how many more it affects. Thread-safe; each matching request claims one use atomically, so
 * a fault for n requests affects exactly n.
 */
public final class Fault {
    /** What happens to a matching request. */
    enum Action { FAIL, DELAY, DROP_CONNECTION, DROP_RESPONSE, STALL }

    static final long UNTIL_CLEARED = Long.MAX_VALUE;

    private final ApiKeys api;
    private final String topic;
    private final int partition;
    private final String group;
    private final Action action;
    private final Errors error;
    private final Duration delay;
    private final AtomicLong remaining;
    private final AtomicLong hits = new AtomicLong();
    private final FaultInjector owner;

    /**
     * @param partition   -1 for any
     * @param count     how many requests it affects, or {@link #UNTIL_CLEARED}
     */
    Fault(ApiKeys api, String topic, int partition, String group, Action action, Errors error, Duration delay, long count,
          FaultInjector owner) {
        this.api = api;
        this.topic = topic;
        this.partition = partition;
        this.group = group;
        this.action = action;
        this.error = error;
        this.delay = delay;
        this.remaining = new AtomicLong(count);
        this.owner = owner;
    }

    /** How many requests it has affected so far. */
    public long hits() {
        return hits.get();
    }

    /** Whether it still affects requests: not used up, not removed, not cleared. */
    public boolean isActive() {
        return remaining.get() > 0;
    }

    /** Stops it, and hands the requests it stalled to their handlers (delayed ones finish their delay). */
    public void remove() {
        remaining.set(0);
        owner.remove(this);
    }

    ApiKeys api() {
        return api;
    }

    Action action() {
        return action;
    }

    Errors error() {
        return error;
    }

    Duration delay() {
        return delay;
    }

    /** Whether its filters select only some partitions of a request (a topic filter). */
    boolean filtersPartitions() {
        return topic != null;
    }

    /** Whether it matches this (topic, partition) of a request. */
    boolean matches(String topicName, int partitionIndex) {
        return topic.equals(topicName) && (partition < 0 || partition == partitionIndex);
    }

    /** Whether it matches the request; does not claim a use. */
    boolean matches(AbstractRequest request, Function<Uuid, String> topicNames) {
        return request.apiKey() == api
                && (group == null || RequestSubjects.namesGroup(request, group))
                && (topic == null || RequestSubjects.anyPartition(request, topicNames, this::matches));
    }

    /** Takes one use; false when none is left (used up or removed concurrently). */
    boolean claim() {
        while (true) {
            long left = remaining.get();
            if (left <= 0) {
                return false;
            }
            if (left == UNTIL_CLEARED || remaining.compareAndSet(left, left - 1)) {
                hits.incrementAndGet();
                if (left == 1) {
                    owner.forget(this); // used up; the requests it stalls stay stalled until removed or cleared
                }
                return true;
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(api.name());
        if (topic != null) {
            s.append(" topic=").append(topic);
        }
        if (partition >= 0) {
            s.append(" partition=").append(partition);
        }
        if (group != null) {
            s.append(" group=").append(group);
        }
        s.append(": ").append(switch (action) {
            case FAIL -> "fail with " + error.name();
            case DELAY -> "delay " + delay.toMillis() + " ms";
            case DROP_CONNECTION -> "drop the connection";
            case DROP_RESPONSE -> "drop the connection after handling";
            case STALL -> "stall";
        });
        long left = remaining.get();
        s.append(left == UNTIL_CLEARED ? ", until cleared" : ", " + left + " left").append(", ").append(hits.get()).append(" hits");
        return s.toString();
    }
}
