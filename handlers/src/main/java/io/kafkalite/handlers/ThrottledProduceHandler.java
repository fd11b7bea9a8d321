package io.kafkalite.handlers;

import io.kafkalite.handlers.quota.ClientQuotas;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;

/**
 * Produce under {@code producer_byte_rate} quotas (KIP-13, KIP-219), around {@link ProduceHandler}: once the
 * produce is handled, the request's size (header and body, as Kafka's {@code request.sizeInBytes}) counts
 * against the client's quota; over it, the answer carries {@code throttle_time_ms} and the connection is
 * muted for that long after it ({@code Connection.throttle}), as Kafka does. An acks=0 produce has no
 * answer but is muted too. A client that no quota applies to goes straight through.
 */
final class ThrottledProduceHandler implements Handler<ProduceRequest> {
    private final Handler<ProduceRequest> inner;
    private final ClientQuotas quotas;
    private final LongSupplier clock;

    ThrottledProduceHandler(Handler<ProduceRequest> inner, ClientQuotas quotas) {
        this(inner, quotas, System::currentTimeMillis);
    }

    /** @param clock the quota windows' time, in ms */
    ThrottledProduceHandler(Handler<ProduceRequest> inner, ClientQuotas quotas, LongSupplier clock) {
        this.inner = inner;
        this.quotas = quotas;
        this.clock = clock;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.PRODUCE;
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
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ProduceRequest body) throws Exception {
        ClientQuotas.Limit limit = quotas.produceLimit(request.context().principal.getName(), request.context().clientId());
        if (limit == null) {
            return inner.handle(request, body);
        }
        int size = request.context().header.size() + body.data().size(new ObjectSerializationCache(), body.version());
        return inner.handle(request, body).thenApply(response -> {
            long throttleMs = quotas.recordProduce(limit, size, clock.getAsLong());
            if (throttleMs > 0) {
                int ms = (int) Math.min(Integer.MAX_VALUE, throttleMs);
                if (request.connection() != null) {
                    request.connection().throttle(ms);
                }
                if (response != null) {
                    response.maybeSetThrottleTimeMs(ms);
                }
            }
            return response;
        });
    }
}
