package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import java.util.function.Consumer;

/** Opens {@link HandlerRegistry}'s test seam to the compat tests: code run on the handler thread before each pooled request. */
public final class HandlerHooks {
    private HandlerHooks() { }

    /** Sets the hook (null removes it). It is global to the JVM: filter by client id, and remove it after the test. */
    public static void beforeHandle(Consumer<KafkaRequest> hook) {
        HandlerRegistry.beforeHandle = hook;
    }
}
