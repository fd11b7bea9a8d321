package io.kafkalite.handlers;

import io.kafkalite.handlers.metrics.BrokerMetrics;
import io.kafkalite.wire.CloseConnectionException;
import io.kafkalite.wire.KafkaRequest;
import io.kafkalite.wire.RequestDispatcher;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of each API, and the one boundary where failures become responses: a typed
 * {@link ApiException} becomes the request's error response, anything else UNKNOWN_SERVER_ERROR plus
 * one error log line, and {@link CloseConnectionException} closes the connection. Handlers run on the
 * request-handler pool ({@code num.io.threads}), never on a network thread; only ApiVersions (memory
 * only) is answered inline. The registry is also the only source of the ApiVersions answer.
 */
public final class HandlerRegistry implements RequestDispatcher {
    private static final Logger log = LoggerFactory.getLogger(HandlerRegistry.class);

    /** Test seam: runs on the handler thread before each pooled request (compat tests inject a slow disk with it). */
    static volatile Consumer<KafkaRequest> beforeHandle;

    private final Map<ApiKeys, Handler<?>> handlers = new EnumMap<>(ApiKeys.class);
    private final Executor requestHandlers;
    private final BrokerMetrics metrics;

    /** @param requestHandlers the request-handler pool; its {@code execute} may throw RejectedExecutionException when full */
    public HandlerRegistry(Executor requestHandlers) {
        this(requestHandlers, null);
    }

    /** @param metrics counts requests, and Produce and Fetch data once their responses are ready; null for none */
    public HandlerRegistry(Executor requestHandlers, BrokerMetrics metrics) {
        this.requestHandlers = requestHandlers;
        this.metrics = metrics;
    }

    /** The broker's metrics; null when built without. */
    public BrokerMetrics metrics() {
        return metrics;
    }

    public HandlerRegistry register(Handler<?> handler) {
        handlers.put(handler.apiKey(), handler);
        return this;
    }

    @Override
    public boolean isSupported(ApiKeys api, short version) {
        Handler<?> h = handlers.get(api);
        return h != null && version >= h.minVersion() && version <= h.maxVersion();
    }

    /** The version ranges we serve, for ApiVersions. */
    public ApiVersionCollection apiVersions() {
        ApiVersionCollection versions = new ApiVersionCollection();
        handlers.values().forEach(h -> versions.add(new ApiVersion()
                .setApiKey(h.apiKey().id).setMinVersion(h.minVersion()).setMaxVersion(h.maxVersion())));
        return versions;
    }

    /**
     * Runs the request's handler on the request-handler pool (ApiVersions inline).
     * @throws java.util.concurrent.RejectedExecutionException when the pool's queue is full; nothing was started
     */
    @Override
    public CompletableFuture<AbstractResponse> dispatch(KafkaRequest request) {
        if (request.body().apiKey() == ApiKeys.API_VERSIONS) {
            return handle(request);
        }
        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        requestHandlers.execute(() -> {
            try {
                Consumer<KafkaRequest> hook = beforeHandle;
                if (hook != null) {
                    hook.accept(request);
                }
                handle(request).whenComplete((response, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else {
                        result.complete(response);
                    }
                });
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e); // never leave the connection waiting
            }
        });
        return result;
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<AbstractResponse> handle(KafkaRequest request) {
        AbstractRequest body = request.body();
        Handler<AbstractRequest> handler = (Handler<AbstractRequest>) handlers.get(body.apiKey());
        CompletableFuture<AbstractResponse> future;
        try {
            future = handler.handle(request, body);
        } catch (Exception e) {
            future = CompletableFuture.failedFuture(e);
        }
        if (metrics != null && body instanceof ProduceRequest produce) {
            future = future.thenApply(r -> {
                metrics.topics().produced(produce, (ProduceResponse) r);
                return r;
            });
        } else if (metrics != null && body instanceof FetchRequest fetch) {
            future = future.thenApply(r -> {
                if (r != null) { // null: a parked fetch whose connection closed
                    metrics.topics().fetched(fetch, (FetchResponse) r);
                }
                return r;
            });
        }
        return future.exceptionally(e -> errorResponse(request, e));
    }

    @Override
    public void completed(KafkaRequest request, long receivedNanos) {
        if (metrics != null) {
            metrics.completed(request, receivedNanos);
        }
    }

    private static AbstractResponse errorResponse(KafkaRequest request, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof CloseConnectionException close) {
            throw close;
        }
        if (cause instanceof ApiException) {
            return request.body().getErrorResponse(cause);
        }
        log.error("Unexpected error handling {} from {}", request.context().header, request.context().clientAddress, cause);
        return request.body().getErrorResponse(new UnknownServerException(cause.toString()));
    }
}
