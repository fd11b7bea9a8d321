package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import io.kafkalite.wire.RequestDispatcher;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of each API, and the one boundary where failures become responses: a typed
 * {@link ApiException} becomes the request's error response, anything else UNKNOWN_SERVER_ERROR plus
 * one error log line. The registry is also the only source of the ApiVersions answer.
 */
public final class HandlerRegistry implements RequestDispatcher {
    private static final Logger log = LoggerFactory.getLogger(HandlerRegistry.class);

    private final Map<ApiKeys, Handler<?>> handlers = new EnumMap<>(ApiKeys.class);

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

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<AbstractResponse> dispatch(KafkaRequest request) {
        AbstractRequest body = request.body();
        Handler<AbstractRequest> handler = (Handler<AbstractRequest>) handlers.get(body.apiKey());
        try {
            return handler.handle(request, body).exceptionally(e -> errorResponse(request, e));
        } catch (Exception e) {
            return CompletableFuture.completedFuture(errorResponse(request, e));
        }
    }

    private static AbstractResponse errorResponse(KafkaRequest request, Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof io.kafkalite.wire.CloseConnectionException close) {
            throw close;
        }
        if (cause instanceof ApiException) {
            return request.body().getErrorResponse(cause);
        }
        log.error("Unexpected error handling {} from {}", request.context().header, request.context().clientAddress, cause);
        return request.body().getErrorResponse(new UnknownServerException(cause.toString()));
    }
}
