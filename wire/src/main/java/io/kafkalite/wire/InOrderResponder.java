package io.kafkalite.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import io.netty.buffer.Unpooled;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.AbstractResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's one-request-at-a-time model per connection. Requests are dispatched strictly in arrival
 * order, and the next one only after the previous one's response has been written to the socket
 * (or it had none, acks=0), so responses leave in request order by construction. Frames that
 * arrive pipelined are held, not processed ahead, and the connection is not read (autoRead off)
 * while a request is held, being handled or being written: a client that pipelines and never reads
 * makes the broker build at most one response.
 * <ul>
 * <li>Each frame is released exactly once: after its response is written, when it has none, or when
 *     the connection closes (a request still in a handler is released when its future completes,
 *     since a Produce's record bytes are views on the frame).</li>
 * <li>When the request-handler pool is full ({@code queued.max.requests}) the dispatcher throws
 *     {@link RejectedExecutionException}; the request stays held and is retried when a slot frees.</li>
 * <li>{@code connections.max.idle.ms} (an {@link IdleStateEvent} from the pipeline's idle handler, which
 *     counts write progress as activity) closes a connection that neither sent a request nor took a
 *     response byte for that long; a request still inside a handler (a long poll, a rebalance) does
 *     not count as idle. So a response the client does not read for that long closes its connection.</li>
 * <li>Quota throttling (KIP-219): a handler that calls {@link Connection#throttle} gets its response written
 *     at once (carrying {@code throttle_time_ms}), then the connection is muted (not read, no next request)
 *     until the throttle expires, on a timer of the event loop, as Kafka's ThrottledChannel does.</li>
 * </ul>
 * Runs on the connection's event loop only; handler futures may complete on any thread.
 */
public final class InOrderResponder extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(InOrderResponder.class);
    private static final long RETRY_WITHOUT_POOL_MS = 5;

    private final RequestDispatcher dispatcher;
    private final RequestHandlerPool pool;
    private final ArrayDeque<RequestDecoder.Decoded> held = new ArrayDeque<>();
    /** The request in a handler or whose response is being written; null between requests. */
    private RequestDecoder.Decoded current;
    private boolean writing;
    private boolean awaitingSlot;
    /** Muted for a quota throttle: nothing is read or dispatched until its timer fires. */
    private boolean throttled;
    private boolean closed;

    /**
     * @param pool where a connection refused by a full pool waits for a slot; null retries on a short timer
     */
    public InOrderResponder(RequestDispatcher dispatcher, RequestHandlerPool pool) {
        this.dispatcher = dispatcher;
        this.pool = pool;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestDecoder.Decoded decoded = (RequestDecoder.Decoded) msg;
        if (closed) {
            decoded.frame().release();
            return;
        }
        held.addLast(decoded);
        processNext(ctx);
        updateAutoRead(ctx);
    }

    private void processNext(ChannelHandlerContext ctx) {
        if (closed || current != null || awaitingSlot || throttled || held.isEmpty() || !ctx.channel().isActive()) {
            return; // (a closed connection's held frames are released in channelInactive)
        }
        RequestDecoder.Decoded next = held.peekFirst();
        Connection connection = next.request().connection();
        if (connection != null) {
            String refusal = connection.refusal(next.request().body().apiKey(), System.nanoTime());
            if (refusal != null) {
                log.info("Closing connection from {}: {}", ctx.channel().remoteAddress(), refusal);
                ctx.close();
                return;
            }
            next = next.withPrincipalOf(connection); // a request decoded before authentication completed
        }
        CompletableFuture<AbstractResponse> future;
        try {
            future = dispatcher.dispatch(next.request());
        } catch (RejectedExecutionException full) {
            awaitSlot(ctx);
            return;
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        RequestDecoder.Decoded dispatched = held.pollFirst();
        current = dispatched;
        // serialized on the thread that completes the response (a handler thread): TLS copies file bytes there
        future.whenComplete((response, error) -> {
            Outgoing out = Outgoing.of(dispatched, response, error);
            onEventLoop(ctx, dispatched, out, () -> onResult(ctx, dispatched, out));
        });
    }

    private void awaitSlot(ChannelHandlerContext ctx) {
        awaitingSlot = true;
        Runnable retry = () -> {
            awaitingSlot = false;
            processNext(ctx);
            updateAutoRead(ctx);
        };
        if (pool != null) {
            pool.whenSlotFree(() -> ctx.executor().execute(retry));
        } else {
            ctx.executor().schedule(retry, RETRY_WITHOUT_POOL_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs on the event loop; if that has shut down (broker closing), just releases the frame. */
    private static void onEventLoop(ChannelHandlerContext ctx, RequestDecoder.Decoded decoded, Outgoing out, Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
            return;
        }
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException shuttingDown) {
            log.debug("Event loop gone; dropping the response to {}", decoded.request().context().header);
            out.release();
            decoded.frame().release();
        }
    }

    private void onResult(ChannelHandlerContext ctx, RequestDecoder.Decoded decoded, Outgoing out) {
        if (closed) {
            out.release();
            finish(decoded);
            return;
        }
        if (out.closeReason() != null) {
            log.info("Closing connection from {}: {}", ctx.channel().remoteAddress(), out.closeReason());
            finish(decoded);
            ctx.close();
            return;
        }
        Connection connection = decoded.request().connection();
        boolean lastResponse = connection != null && connection.closesAfterResponse();
        if (out.pieces() == null) { // acks=0: nothing to write
            dispatcher.completed(decoded.request(), decoded.receivedNanos());
            finish(decoded);
            nextRequest(ctx, connection);
            return;
        }
        long delayMs = lastResponse ? connection.failedAuthenticationDelayMs() : 0;
        if (delayMs > 0) { // Kafka holds back a failed authentication's answer and close, to slow down password guessing
            ctx.executor().schedule(() -> write(ctx, decoded, out, true), delayMs, TimeUnit.MILLISECONDS);
        } else {
            write(ctx, decoded, out, lastResponse);
        }
    }

    private void write(ChannelHandlerContext ctx, RequestDecoder.Decoded decoded, Outgoing out, boolean lastResponse) {
        if (closed) {
            out.release();
            finish(decoded);
            return;
        }
        writing = true;
        SendWriter.writeAndFlush(ctx, out.pieces()).addListener(f -> {
            writing = false;
            if (f.isSuccess()) {
                dispatcher.completed(decoded.request(), decoded.receivedNanos());
            }
            finish(decoded);
            if (lastResponse) {
                ctx.close();
            } else if (f.isSuccess()) {
                // a fresh task, not a nested call: a response written at once must not recurse into the next request
                ctx.executor().execute(() -> nextRequest(ctx, decoded.request().connection()));
            } else {
                log.info("Closing connection from {}: writing a response failed: {}", ctx.channel().remoteAddress(), f.cause().toString());
                ctx.close(); // otherwise it would sit unread until connections.max.idle.ms
            }
        });
    }

    /** Goes on with the next request, or first waits out a quota throttle the handler set (the event loop never sleeps). */
    private void nextRequest(ChannelHandlerContext ctx, Connection connection) {
        long throttleMs = connection == null ? 0 : connection.takeThrottleMs(System.nanoTime());
        if (throttleMs > 0 && !closed) {
            throttled = true;
            updateAutoRead(ctx);
            ctx.executor().schedule(() -> {
                throttled = false;
                processNext(ctx);
                updateAutoRead(ctx);
            }, throttleMs, TimeUnit.MILLISECONDS);
            return;
        }
        processNext(ctx);
        updateAutoRead(ctx);
    }

    /**
     * What to do with a request's outcome: write these pieces, write nothing (acks=0), or close the
     * connection. Built on the thread that completed the response.
     */
    private record Outgoing(List<Object> pieces, String closeReason) {
        static Outgoing of(RequestDecoder.Decoded decoded, AbstractResponse response, Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof CloseConnectionException) {
                return new Outgoing(null, cause.getMessage());
            }
            KafkaRequest request = decoded.request();
            if (cause != null) {
                log.error("Unexpected error handling {} from {}", request.context().header, request.context().clientAddress, cause);
                response = request.body().getErrorResponse(new UnknownServerException(cause.getMessage()));
            }
            if (response == null) {
                return new Outgoing(null, null);
            }
            if (decoded.rawSaslToken()) {
                return rawSaslToken((SaslAuthenticateResponse) response);
            }
            try {
                Connection connection = request.connection();
                boolean encrypted = connection != null && connection.encrypts();
                return new Outgoing(SendWriter.pieces(request.context().buildResponseSend(response), encrypted), null);
            } catch (Exception e) {
                log.error("Could not serialize the response to {}; closing the connection", request.context().header, e);
                return new Outgoing(null, "its response could not be serialized");
            }
        }

        /** Pre-KIP-152 framing: the challenge as a bare size-prefixed frame; a failure just closes, as in Kafka. */
        private static Outgoing rawSaslToken(SaslAuthenticateResponse response) {
            if (response.error() != Errors.NONE) {
                return new Outgoing(null, "SASL authentication failed (SaslHandshake v0): " + response.data().errorMessage());
            }
            byte[] challenge = response.data().authBytes();
            return new Outgoing(List.of(Unpooled.buffer(4 + challenge.length).writeInt(challenge.length).writeBytes(challenge)), null);
        }

        void release() {
            if (pieces != null) {
                SendWriter.release(pieces);
            }
        }
    }

    private void finish(RequestDecoder.Decoded decoded) {
        decoded.frame().release();
        if (current == decoded) {
            current = null;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    /** Reads only when nothing is held, in a handler or being written. */
    private void updateAutoRead(ChannelHandlerContext ctx) {
        boolean read = !closed && current == null && !awaitingSlot && !throttled && held.isEmpty() && ctx.channel().isWritable();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        boolean inHandler = (current != null && !writing) || awaitingSlot || throttled;
        if (!inHandler && ctx.channel().isActive()) {
            log.info("Closing connection from {}: idle for connections.max.idle.ms ({})", ctx.channel().remoteAddress(),
                    writing ? "its response was not read" : "no request");
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        RequestDecoder.Decoded d;
        while ((d = held.pollFirst()) != null) {
            d.frame().release();
        }
        // the current request, if any, releases its frame when its handler or its write completes
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) { // reset by the client, or a write after we closed: routine, as in Kafka
            log.debug("Closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("Closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
