package io.kafkalite.handlers;

import io.kafkalite.handlers.quota.ClientQuotas;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;

/**
 * Fetch under {@code consumer_byte_rate} quotas (KIP-13, KIP-219), around {@link FetchHandler}, as Kafka's
 * KafkaApis does it:
 * <ul>
 * <li>the request's {@code max_bytes} is first capped at what the quota allows over {@code quota.window.num - 1}
 *     windows, so a response is never too large to ever pass the quota (the first batch is still whole, KIP-74);</li>
 * <li>the response's size counts against the client's quota; over it, the client gets an empty response
 *     (same session id) carrying {@code throttle_time_ms}, its bytes are taken back from the rate, and the
 *     connection is muted for that long after the answer ({@code Connection.throttle}).</li>
 * </ul>
 * Follower fetches and clients no quota applies to go straight through; a response with a top-level error is
 * not counted.
 */
final class ThrottledFetchHandler implements Handler<FetchRequest> {
    private final Handler<FetchRequest> inner;
    private final ClientQuotas quotas;
    private final LongSupplier clock;

    ThrottledFetchHandler(Handler<FetchRequest> inner, ClientQuotas quotas) {
        this(inner, quotas, System::currentTimeMillis);
    }

    /** @param clock the quota windows' time, in ms */
    ThrottledFetchHandler(Handler<FetchRequest> inner, ClientQuotas quotas, LongSupplier clock) {
        this.inner = inner;
        this.quotas = quotas;
        this.clock = clock;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FETCH;
    }

    @Override
    public short minVersion() {
        return inner.minVersion();
    }

    @Override
    public short maxVersion() {
        return inner.maxVersion();
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, FetchRequest body) throws Exception {
        ClientQuotas.Limit limit = body.isFromFollower() ? null
                : quotas.fetchLimit(request.context().principal.getName(), request.context().clientId());
        if (limit == null) {
            return inner.handle(request, body);
        }
        int cap = quotas.maxFetchBytes(limit);
        if (body.maxBytes() > cap) {
            body.data().setMaxBytes(cap); // the request as served: every read of it (also a parked one) sees the cap
        }
        return inner.handle(request, body).thenApply(response -> {
            if (!(response instanceof FetchResponse fetch) || fetch.error() != Errors.NONE) {
                return response;
            }
            int size = fetch.data().size(new ObjectSerializationCache(), body.version());
            long throttleMs = quotas.recordFetch(limit, size, clock.getAsLong());
            if (throttleMs <= 0) {
                return response;
            }
            int ms = (int) Math.min(Integer.MAX_VALUE, throttleMs);
            if (request.connection() != null) {
                request.connection().throttle(ms);
            }
            return FetchResponse.of(new FetchResponseData().setErrorCode(Errors.NONE.code()).setThrottleTimeMs(ms)
                    .setSessionId(fetch.sessionId()));
        });
    }
}
