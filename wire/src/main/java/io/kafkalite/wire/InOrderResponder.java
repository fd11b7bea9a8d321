package io.kafkalite.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.requests.AbstractResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches each request and writes the responses in the order the requests arrived, holding back
 * any that complete early. Runs on the connection's event loop only. Stops reading from a connection
 * with too many requests in flight or a full outbound buffer (back-pressure) and resumes when drained.
 */
public final class InOrderResponder extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(InOrderResponder.class);
    private static final int MAX_IN_FLIGHT = 100;

    private static final class Slot {
        final RequestDecoder.Decoded decoded;
        boolean done;
        AbstractResponse response;

        Slot(RequestDecoder.Decoded decoded) {
            this.decoded = decoded;
        }
    }

    private final RequestDispatcher dispatcher;
    private final ArrayDeque<Slot> inFlight = new ArrayDeque<>();

    public InOrderResponder(RequestDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestDecoder.Decoded decoded = (RequestDecoder.Decoded) msg;
        Slot slot = new Slot(decoded);
        inFlight.addLast(slot);
        CompletableFuture<AbstractResponse> future;
        try {
            future = dispatcher.dispatch(decoded.request());
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((response, error) -> {
            if (ctx.executor().inEventLoop()) {
                complete(ctx, slot, response, error);
            } else {
                ctx.executor().execute(() -> complete(ctx, slot, response, error));
            }
        });
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void complete(ChannelHandlerContext ctx, Slot slot, AbstractResponse response, Throwable error) {
        slot.done = true;
        slot.response = response;
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof CloseConnectionException) {
            log.info("Closing connection from {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
            slot.decoded.frame().release();
            inFlight.remove(slot);
            ctx.close();
            return;
        }
        if (error != null) {
            log.error("Unexpected error handling {} from {}", slot.decoded.request().context().header, ctx.channel().remoteAddress(), error);
            slot.response = slot.decoded.request().body().getErrorResponse(new UnknownServerException(error.getMessage()));
        }
        boolean wrote = false;
        while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
            Slot head = inFlight.pollFirst();
            try {
                if (head.response != null && ctx.channel().isActive()) {
                    SendWriter.write(ctx, head.decoded.request().context().buildResponseSend(head.response));
                    wrote = true;
                }
            } catch (Exception e) {
                log.error("Could not serialize the response to {}; closing the connection", head.decoded.request().context().header, e);
                ctx.close();
            } finally {
                head.decoded.frame().release();
            }
        }
        if (wrote) {
            ctx.flush();
        }
        updateAutoRead(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
        boolean read = ctx.channel().isWritable() && inFlight.size() < MAX_IN_FLIGHT;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // responses still pending release their frames when they complete; nothing is written to a closed channel
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("Closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
