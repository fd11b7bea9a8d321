package io.kafkalite.wire;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;

/** What the wire layer hands parsed requests to. Implemented by handlers/. */
public interface RequestDispatcher {
    /** Whether this API version is served; other versions close the connection (ApiVersions excepted). */
    boolean isSupported(ApiKeys api, short version);

    /**
     * Handles a request. The future completes with the response, or with null when the request has no
     * response (Produce with acks=0). It may complete on any thread.
     */
    CompletableFuture<AbstractResponse> dispatch(KafkaRequest request);

    /**
     * Called on the connection's event loop once a request is done: its response written to the socket, or
     * handled when it has none (acks=0). Not called when the connection closed first. Must be quick.
     * @param receivedNanos {@link System#nanoTime} when its frame was received
     */
    default void completed(KafkaRequest request, long receivedNanos) { }
}
