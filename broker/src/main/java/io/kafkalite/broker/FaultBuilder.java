package io.kafkalite.broker;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * A fault being described: {@link Faults#on(String)} names the API, the filters narrow it, and one
 * of the actions ({@link #failNext}, {@link #fail}, {@link #delay}, {@link #dropConnection},
 * {@link #dropResponse}, {@link #stall}) installs it and returns it. Every argument is checked at
 * once; a wrong one throws {@link IllegalArgumentException}.
 */
public final class FaultBuilder {
    /** The longest delay: a test that needs longer wants {@link #stall()}. */
    static final Duration MAX_DELAY = Duration.ofMinutes(10);

    private final FaultInjector injector;
    private final ApiKeys api;
    private String topic;
    private int partition = -1;
    private String group;
    private long times;

    FaultBuilder(FaultInjector injector, ApiKeys api) {
        this.injector = injector;
        this.api = api;
    }

    /** Only requests that name this topic (PRODUCE, FETCH, LIST_OFFSETS, METADATA, OFFSET_COMMIT, OFFSET_FETCH, ...). */
    public FaultBuilder topic(String name) {
        requireApiIn(RequestSubjects.TOPIC_APIS, "topic(...)", "name topics");
        this.topic = requireName(name, "topic");
        return this;
    }

    /** Only requests that name this partition of the {@link #topic(String) topic}. */
    public FaultBuilder partition(int index) {
        requireApiIn(RequestSubjects.PARTITION_APIS, "partition(...)", "name partitions");
        if (index < 0) {
            throw new IllegalArgumentException("partition must be >= 0, not " + index);
        }
        this.partition = index;
        return this;
    }

    /** Only requests for this consumer group (FIND_COORDINATOR, JOIN_GROUP, SYNC_GROUP, HEARTBEAT, OFFSET_COMMIT, ...). */
    public FaultBuilder group(String groupId) {
        requireApiIn(RequestSubjects.GROUP_APIS, "group(...)", "name groups");
        this.group = requireName(groupId, "group");
        return this;
    }

    /** Affects the next {@code n} matching requests only, then removes itself (default: one for drops, else until cleared). */
    public FaultBuilder times(int n) {
        this.times = positive(n, "times");
        return this;
    }

    /** Answers the next {@code n} matching requests with this error, by Kafka's name ({@code "NOT_LEADER_OR_FOLLOWER"}). */
    public Fault failNext(int n, String error) {
        return failNext(n, error(error));
    }

    /** Answers the next {@code n} matching requests with this error code (6 is NOT_LEADER_OR_FOLLOWER). */
    public Fault failNext(int n, int errorCode) {
        return failNext(n, error(errorCode));
    }

    /** Answers matching requests with this error until cleared (or {@link #times(int)}). */
    public Fault fail(String error) {
        return install(Fault.Action.FAIL, error(error), null, times == 0 ? Fault.UNTIL_CLEARED : times);
    }

    /** Answers matching requests with this error code until cleared (or {@link #times(int)}). */
    public Fault fail(int errorCode) {
        return install(Fault.Action.FAIL, error(errorCode), null, times == 0 ? Fault.UNTIL_CLEARED : times);
    }

    /** Holds each matching request this long before handling it, until cleared (or {@link #times(int)}); at most 10 minutes. */
    public Fault delay(Duration delay) {
        if (delay == null || delay.isNegative() || delay.isZero() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("delay must be more than 0 and at most " + MAX_DELAY.toMinutes() + " minutes, not " + delay);
        }
        return install(Fault.Action.DELAY, null, delay, times == 0 ? Fault.UNTIL_CLEARED : times);
    }

    /** Closes the connection instead of handling the next matching request (or {@link #times(int)} of them). */
    public Fault dropConnection() {
        return install(Fault.Action.DROP_CONNECTION, null, null, times == 0 ? 1 : times);
    }

    /**
     * Handles the next matching request (or {@link #times(int)} of them) and then closes the connection
     * instead of answering: the client cannot know whether it took effect (a lost response).
     */
    public Fault dropResponse() {
        return install(Fault.Action.DROP_RESPONSE, null, null, times == 0 ? 1 : times);
    }

    /**
     * Never answers matching requests, until cleared (or {@link #times(int)}): their connections wait
     * until the client gives up and closes them. {@link Faults#clear()} or {@link Fault#remove()} hands
     * the ones still waiting to their handlers.
     */
    public Fault stall() {
        return install(Fault.Action.STALL, null, null, times == 0 ? Fault.UNTIL_CLEARED : times);
    }

    private Fault failNext(int n, Errors error) {
        positive(n, "failNext count");
        if (times != 0 && times != n) {
            throw new IllegalArgumentException("times(" + times + ") and failNext(" + n + ", ...) disagree; give one count");
        }
        return install(Fault.Action.FAIL, error, null, n);
    }

    private Fault install(Fault.Action action, Errors error, Duration delay, long count) {
        if (partition >= 0 && topic == null) {
            throw new IllegalArgumentException("partition(" + partition + ") needs topic(...)");
        }
        return injector.install(new Fault(api, topic, partition, group, action, error, delay, count, injector));
    }

    private void requireApiIn(Set<ApiKeys> apis, String filter, String what) {
        if (!apis.contains(api)) {
            throw new IllegalArgumentException(filter + " does not apply to " + api.name() + ": only these APIs' requests " + what + ": "
                    + apis.stream().map(Enum::name).sorted().collect(Collectors.joining(", ")));
        }
    }

    private static String requireName(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be null or empty");
        }
        return name;
    }

    private static int positive(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, not " + n);
        }
        return n;
    }

    /** An error by its name in Kafka's {@code Errors} enum. */
    static Errors error(String name) {
        if (name == null) {
            throw new IllegalArgumentException("error must not be null");
        }
        Errors error;
        try {
            error = Errors.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown error \"" + name + "\": expected a name of Kafka's Errors enum such as "
                    + "NOT_LEADER_OR_FOLLOWER, REBALANCE_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, or a numeric error code");
        }
        return notNone(error);
    }

    /** An error by its numeric code in the Kafka protocol. */
    static Errors error(int code) {
        return notNone(Arrays.stream(Errors.values()).filter(e -> e.code() == code).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown error code " + code + ": not one of Kafka's error codes")));
    }

    private static Errors notNone(Errors error) {
        if (error == Errors.NONE) {
            throw new IllegalArgumentException("NONE (0) is not an error");
        }
        return error;
    }
}
