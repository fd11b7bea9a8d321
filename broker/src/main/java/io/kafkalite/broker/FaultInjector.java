package io.kafkalite.broker;

import io.kafkalite.wire.CloseConnectionException;
import io.kafkalite.wire.KafkaRequest;
import io.kafkalite.wire.RequestDispatcher;
import io.netty.channel.ChannelFutureListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher in front of the handlers that applies {@link Fault}s; with none installed it only
 * passes requests on. Nothing here blocks a thread: a delay is a timer on the connection's event loop,
 * a stall an incomplete future. Every held request (delayed, stalled, or waiting for room in a full
 * request-handler pool) is tracked, and dropped, closing its connection, when that connection closes
 * or the broker does, so no future is left behind.
 */
final class FaultInjector implements RequestDispatcher {
    private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);
    static final int MAX_FAULTS = 1000;
    /** How soon a request refused by a full request-handler pool is offered again. */
    private static final long POOL_RETRY_MS = 5;

    private final RequestDispatcher handlers;
    private final Function<Uuid, String> topicNames;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final Set<Held> held = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** @param topicNames the name of the topic with an id, null for none (requests that name topics by id) */
    FaultInjector(RequestDispatcher handlers, Function<Uuid, String> topicNames) {
        this.handlers = handlers;
        this.topicNames = topicNames;
    }

    @Override
    public boolean isSupported(ApiKeys api, short version) {
        return handlers.isSupported(api, version);
    }

    @Override
    public void completed(KafkaRequest request, long receivedNanos) {
        handlers.completed(request, receivedNanos);
    }

    /** Whether some version of the API is served. */
    boolean serves(ApiKeys api) {
        for (short v = api.oldestVersion(); v <= api.latestVersion(true); v++) {
            if (handlers.isSupported(api, v)) {
                return true;
            }
        }
        return false;
    }

    synchronized Fault install(Fault fault) {
        if (closed) {
            throw new IllegalStateException("The broker is closed");
        }
        if (faults.size() >= MAX_FAULTS) {
            throw new IllegalStateException("Already " + MAX_FAULTS + " faults installed; clear() or remove() some first");
        }
        faults.add(fault);
        log.info("Fault installed: {}", fault);
        return fault;
    }

    /** A used-up fault leaves the list. */
    void forget(Fault fault) {
        faults.remove(fault);
    }

    /** A removed fault leaves the list and the requests it stalled go to their handlers. */
    void remove(Fault fault) {
        faults.remove(fault);
        held.stream().filter(h -> h.stalledBy == fault).forEach(this::release);
    }

    List<Fault> active() {
        return List.copyOf(faults);
    }

    void clear() {
        faults.forEach(Fault::remove);
        held.stream().filter(h -> h.stalledBy != null).forEach(this::release); // also those of used-up stalls
        log.info("Faults cleared");
    }

    /** Before the listeners close: no more faults, every held request dropped. */
    void close() {
        closed = true;
        held.forEach(h -> drop(h, "the broker is closing"));
        faults.forEach(Fault::remove); // (after the drops: removing a stall would hand its requests to the handlers)
    }

    @Override
    public CompletableFuture<AbstractResponse> dispatch(KafkaRequest request) {
        Fault fault = faults.isEmpty() || closed ? null : claim(request.body());
        if (fault == null) {
            return handlers.dispatch(request);
        }
        log.debug("Fault {} applies to {} from {}", fault, request.context().header, request.context().clientAddress);
        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        switch (fault.action()) {
            case FAIL -> fail(request, fault, result);
            case DELAY -> hold(request, result, fault.delay().toMillis(), null);
            case STALL -> hold(request, result, -1, fault);
            case DROP_CONNECTION -> result.completeExceptionally(new CloseConnectionException("fault injected: " + fault));
            case DROP_RESPONSE -> forward(request, new CompletableFuture<>()).whenComplete((response, error) ->
                    result.completeExceptionally(new CloseConnectionException("fault injected after handling: " + fault)));
        }
        return result;
    }

    /** The first fault that matches the request and still had a use, which it took; null for none. */
    private Fault claim(AbstractRequest request) {
        for (Fault f : faults) {
            if (f.matches(request, topicNames) && f.claim()) {
                return f;
            }
        }
        return null;
    }

    private void fail(KafkaRequest request, Fault fault, CompletableFuture<AbstractResponse> result) {
        ApiException error = fault.error().exception("Injected fault: " + fault.error().name());
        ApiKeys api = request.body().apiKey();
        if (fault.filtersPartitions() && (api == ApiKeys.PRODUCE || api == ApiKeys.FETCH)) {
            PartitionErrors.inject(request, fault, error, topicNames, rest -> forward(rest, new CompletableFuture<>()))
                    .whenComplete((response, e) -> complete(result, response, e));
        } else if (request.body() instanceof ProduceRequest produce && produce.acks() == 0) {
            // no response to carry the error: Kafka closes the connection so the producer notices
            result.completeExceptionally(new CloseConnectionException("fault injected on a Produce with acks=0: " + fault));
        } else {
            result.complete(request.body().getErrorResponse(error));
        }
    }

    /** Hands the request to the handlers; if their pool is full, holds it briefly and tries again. */
    private CompletableFuture<AbstractResponse> forward(KafkaRequest request, CompletableFuture<AbstractResponse> result) {
        try {
            handlers.dispatch(request).whenComplete((response, error) -> complete(result, response, error));
        } catch (RejectedExecutionException full) {
            hold(request, result, POOL_RETRY_MS, null);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /** Holds the request for {@code delayMs} before handling it, or, if negative, until {@code stalledBy} is removed. */
    private void hold(KafkaRequest request, CompletableFuture<AbstractResponse> result, long delayMs, Fault stalledBy) {
        Held h = new Held(request, result, stalledBy);
        held.add(h);
        request.closeFuture().addListener(h.onClose);
        if (delayMs >= 0) {
            try {
                h.timer = request.eventLoop().schedule(() -> release(h), delayMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                drop(h, "its event loop has stopped");
            }
        }
        if (closed) { // close() may have run before it was added
            drop(h, "the broker is closing");
        }
    }

    /** Hands a held request to its handler, unless it was dropped or released already. */
    private void release(Held h) {
        if (held.remove(h)) {
            h.request.closeFuture().removeListener(h.onClose);
            forward(h.request, h.result);
        }
    }

    /** Completes a held request by closing its connection, unless it was released already. */
    private void drop(Held h, String why) {
        if (held.remove(h)) {
            h.request.closeFuture().removeListener(h.onClose);
            Future<?> timer = h.timer;
            if (timer != null) {
                timer.cancel(false);
            }
            h.result.completeExceptionally(new CloseConnectionException(why));
        }
    }

    private static void complete(CompletableFuture<AbstractResponse> result, AbstractResponse response, Throwable error) {
        if (error != null) {
            result.completeExceptionally(error);
        } else {
            result.complete(response);
        }
    }

    /** A request held back and the future its connection waits on. */
    private final class Held {
        final KafkaRequest request;
        final CompletableFuture<AbstractResponse> result;
        /** The stall that holds it; null for a timed hold. */
        final Fault stalledBy;
        final ChannelFutureListener onClose = f -> drop(this, "its connection closed");
        volatile Future<?> timer;

        Held(KafkaRequest request, CompletableFuture<AbstractResponse> result, Fault stalledBy) {
            this.request = request;
            this.result = result;
            this.stalledBy = stalledBy;
        }
    }
}
