package io.kafkalite.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class InOrderResponderTest {
    /** The futures handed out, in dispatch order, and the correlation ids they were for. */
    private final List<CompletableFuture<AbstractResponse>> pending = new ArrayList<>();
    private final List<Integer> dispatched = new ArrayList<>();
    private int rejectionsLeft;

    private final RequestDispatcher dispatcher = new RequestDispatcher() {
        @Override
        public boolean isSupported(ApiKeys api, short version) {
            return true;
        }

        @Override
        public CompletableFuture<AbstractResponse> dispatch(KafkaRequest request) {
            if (rejectionsLeft > 0) {
                rejectionsLeft--;
                throw new RejectedExecutionException("pool full");
            }
            CompletableFuture<AbstractResponse> f = new CompletableFuture<>();
            pending.add(f);
            dispatched.add(request.context().header.correlationId());
            return f;
        }
    };

    /** Holds writes (and their promises) until released, like a socket the client does not read. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        final List<Object> messages = new ArrayList<>();
        final List<ChannelPromise> promises = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            messages.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) { }

        void release(ChannelHandlerContext ctx) {
            for (int i = 0; i < messages.size(); i++) {
                ctx.write(messages.get(i), promises.get(i));
            }
            messages.clear();
            promises.clear();
            ctx.flush();
        }
    }

    private static RequestDecoder.Decoded request(int correlationId) {
        RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 0, "test", correlationId);
        RequestContext ctx = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS,
                new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        return new RequestDecoder.Decoded(new KafkaRequest(ctx, new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0), null, null),
                Unpooled.buffer(1));
    }

    private static AbstractResponse response() {
        return new ApiVersionsResponse(new ApiVersionsResponseData());
    }

    private static int correlationIdOfNextResponse(EmbeddedChannel ch) {
        ByteBuf frame = ch.readOutbound(); // size prefix, then the response header
        int id = frame.getInt(4);
        frame.release();
        return id;
    }

    @Test
    void pipelinedRequestsAreDispatchedOneAtATimeInOrder() {
        // given
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        RequestDecoder.Decoded first = request(1);
        RequestDecoder.Decoded second = request(2);
        RequestDecoder.Decoded third = request(3);
        // when
        ch.writeInbound(first, second, third);
        // then
        assertEquals(List.of(1), dispatched, "only the first is dispatched; the others are held");
        assertFalse(ch.config().isAutoRead(), "the connection is not read while a request is processed");
        assertEquals(1, second.frame().refCnt(), "held frames stay alive");

        pending.get(0).complete(response());
        ch.runPendingTasks();
        assertEquals(1, correlationIdOfNextResponse(ch));
        assertEquals(0, first.frame().refCnt(), "a frame is released once its response is written");
        assertEquals(List.of(1, 2), dispatched);

        pending.get(1).complete(null); // acks=0: no response, the next one goes on
        ch.runPendingTasks();
        assertEquals(List.of(1, 2, 3), dispatched);
        pending.get(2).complete(response());
        ch.runPendingTasks();
        assertEquals(3, correlationIdOfNextResponse(ch));
        assertNull(ch.readOutbound(), "nothing for the acks=0 request");
        assertTrue(ch.config().isAutoRead(), "reading resumes when nothing is left");
        assertEquals(0, second.frame().refCnt());
        assertEquals(0, third.frame().refCnt());
    }

    @Test
    void theNextRequestWaitsUntilTheResponseIsWrittenToTheSocket() {
        // given: a socket that takes no bytes until released
        HeldWrites socket = new HeldWrites();
        EmbeddedChannel ch = new EmbeddedChannel(socket, new InOrderResponder(dispatcher, null));
        ch.writeInbound(request(1), request(2));
        // when
        pending.get(0).complete(response());
        ch.runPendingTasks();
        // then
        assertEquals(List.of(1), dispatched, "the second request is not dispatched while the first response is unwritten");
        assertFalse(ch.config().isAutoRead());

        socket.release(ch.pipeline().context(socket));
        ch.runPendingTasks();
        assertEquals(List.of(1, 2), dispatched, "written: the next request goes");
        assertEquals(1, correlationIdOfNextResponse(ch));
    }

    @Test
    void aFullHandlerPoolHoldsTheRequestAndRetries() throws Exception {
        // given
        rejectionsLeft = 2;
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        RequestDecoder.Decoded first = request(1);
        // when
        ch.writeInbound(first);
        // then
        assertEquals(List.of(), dispatched);
        assertFalse(ch.config().isAutoRead(), "held at its connection, which is not read meanwhile");
        assertEquals(1, first.frame().refCnt());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (dispatched.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            ch.runScheduledPendingTasks();
        }
        assertEquals(List.of(1), dispatched, "retried until the pool took it");
    }

    @Test
    void closingReleasesHeldFramesAndTheCurrentOneWhenItsHandlerFinishes() {
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        RequestDecoder.Decoded first = request(1);
        RequestDecoder.Decoded second = request(2);
        ch.writeInbound(first, second);
        ch.close();
        assertEquals(0, second.frame().refCnt(), "held frames are released at close");
        assertEquals(1, first.frame().refCnt(), "the handler may still read the first frame");
        pending.get(0).complete(response());
        ch.runPendingTasks();
        assertEquals(0, first.frame().refCnt());
        assertEquals(List.of(1), dispatched);
    }

    @Test
    void idleClosesUnlessAHandlerIsWorking() {
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        ch.writeInbound(request(1));
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertTrue(ch.isOpen(), "a long poll or a rebalance is not idleness");
        pending.get(0).complete(response());
        ch.runPendingTasks();
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertFalse(ch.isOpen());
    }

    @Test
    void aResponseTheClientDoesNotReadCountsAsIdle() {
        HeldWrites socket = new HeldWrites();
        EmbeddedChannel ch = new EmbeddedChannel(socket, new InOrderResponder(dispatcher, null));
        RequestDecoder.Decoded first = request(1);
        ch.writeInbound(first);
        pending.get(0).complete(response());
        ch.runPendingTasks();
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertFalse(ch.isOpen());
        socket.promises.forEach(p -> p.tryFailure(new java.nio.channels.ClosedChannelException()));
        socket.messages.forEach(m -> ((ByteBuf) m).release());
        ch.runPendingTasks();
        assertEquals(0, first.frame().refCnt(), "released when its write fails");
    }

    private static RequestDecoder.Decoded metadataOn(Connection connection, int correlationId) {
        RequestHeader header = new RequestHeader(ApiKeys.METADATA, (short) 12, "test", correlationId);
        RequestContext ctx = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS,
                connection.listener(), connection.protocol(), ClientInformation.EMPTY, false);
        return new RequestDecoder.Decoded(new KafkaRequest(ctx, MetadataRequest.Builder.allTopics().build((short) 12), null, null, connection),
                Unpooled.buffer(1));
    }

    private static Connection saslConnection() {
        return new Connection(new ListenerName("SASL_PLAINTEXT"), SecurityProtocol.SASL_PLAINTEXT, new InetSocketAddress("127.0.0.1", 5555));
    }

    @Test
    void aRequestBeforeSaslAuthenticationClosesTheConnectionUnserved() {
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        RequestDecoder.Decoded metadata = metadataOn(saslConnection(), 1);
        ch.writeInbound(metadata);
        assertEquals(List.of(), dispatched, "never served");
        assertFalse(ch.isOpen());
        assertEquals(0, metadata.frame().refCnt());
    }

    @Test
    void aRequestDecodedBeforeAuthenticationIsServedAsTheAuthenticatedPrincipal() {
        Connection connection = saslConnection();
        KafkaPrincipal alice = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
        RequestDecoder.Decoded metadata = metadataOn(connection, 1);
        connection.authenticated(alice, 0);
        List<KafkaPrincipal> seen = new ArrayList<>();
        RequestDispatcher recording = new RequestDispatcher() {
            @Override
            public boolean isSupported(ApiKeys api, short version) {
                return true;
            }

            @Override
            public CompletableFuture<AbstractResponse> dispatch(KafkaRequest request) {
                seen.add(request.context().principal);
                return new CompletableFuture<>();
            }
        };
        new EmbeddedChannel(new InOrderResponder(recording, null)).writeInbound(metadata);
        assertEquals(List.of(alice), seen);
    }

    @Test
    void anExpiredSessionClosesTheConnectionOnItsNextRequest() {
        Connection connection = saslConnection();
        connection.authenticated(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice"), System.nanoTime() - 1);
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        ch.writeInbound(metadataOn(connection, 1));
        assertEquals(List.of(), dispatched);
        assertFalse(ch.isOpen());
    }

    @Test
    void aFailedAuthenticationIsAnsweredAfterTheDelayThenClosed() throws Exception {
        Connection connection = new Connection(new ListenerName("SASL_PLAINTEXT"), SecurityProtocol.SASL_PLAINTEXT,
                new InetSocketAddress("127.0.0.1", 5555), 200);
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        RequestDecoder.Decoded first = request(1);
        first = new RequestDecoder.Decoded(new KafkaRequest(first.request().context(), first.request().body(), null, null, connection), first.frame());
        ch.writeInbound(first);
        connection.closeAfterResponse();
        long start = System.nanoTime();
        pending.get(0).complete(response());
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "held back by connection.failed.authentication.delay.ms");
        assertTrue(ch.isOpen());
        while (ch.isOpen() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
            Thread.sleep(10);
            ch.runScheduledPendingTasks();
        }
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));
        assertEquals(1, correlationIdOfNextResponse(ch), "then written");
        assertFalse(ch.isOpen(), "and the connection closed");
    }

    @Test
    void aFailedAuthenticationClosesAfterItsResponse() {
        Connection connection = saslConnection();
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        RequestDecoder.Decoded first = request(1);
        first = new RequestDecoder.Decoded(new KafkaRequest(first.request().context(), first.request().body(), null, null, connection), first.frame());
        ch.writeInbound(first);
        connection.closeAfterResponse();
        pending.get(0).complete(response());
        ch.runPendingTasks();
        assertEquals(1, correlationIdOfNextResponse(ch), "the response is written");
        assertFalse(ch.isOpen(), "then the connection closes");
    }

    @Test
    void aThrottledConnectionGetsItsResponseAtOnceThenIsNotReadUntilTheThrottleEnds() throws Exception {
        // given a plaintext connection whose first request went over a quota by 300 ms
        Connection connection = new Connection(new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, new InetSocketAddress("127.0.0.1", 5555));
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher, null));
        RequestDecoder.Decoded first = request(1);
        first = new RequestDecoder.Decoded(new KafkaRequest(first.request().context(), first.request().body(), null, null, connection), first.frame());
        RequestDecoder.Decoded second = request(2);
        second = new RequestDecoder.Decoded(new KafkaRequest(second.request().context(), second.request().body(), null, null, connection), second.frame());
        ch.writeInbound(first, second);
        long start = System.nanoTime();
        connection.throttle(300);
        // when
        pending.get(0).complete(response());
        ch.runPendingTasks();
        // then the response leaves at once, the next request waits and the connection is not read
        assertEquals(1, correlationIdOfNextResponse(ch), "answered at once (KIP-219)");
        assertEquals(List.of(1), dispatched, "the next request waits for the throttle");
        assertFalse(ch.config().isAutoRead(), "muted");
        while (dispatched.size() < 2 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
            Thread.sleep(10);
            ch.runScheduledPendingTasks();
        }
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "not before the throttle ends");
        assertEquals(List.of(1, 2), dispatched, "then served");
        pending.get(1).complete(response());
        ch.runPendingTasks();
        assertEquals(2, correlationIdOfNextResponse(ch));
        assertTrue(ch.config().isAutoRead(), "and read again");
    }
}
