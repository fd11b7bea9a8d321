package io.kafkalite.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

class InOrderResponderTest {
    private final List<CompletableFuture<AbstractResponse>> pending = new ArrayList<>();

    private final RequestDispatcher dispatcher = new RequestDispatcher() {
        @Override
        public boolean isSupported(ApiKeys api, short version) {
            return true;
        }

        @Override
        public CompletableFuture<AbstractResponse> dispatch(KafkaRequest request) {
            CompletableFuture<AbstractResponse> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }
    };

    private static RequestDecoder.Decoded request(int correlationId) throws Exception {
        RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 0, "test", correlationId);
        RequestContext ctx = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS,
                new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        return new RequestDecoder.Decoded(new KafkaRequest(ctx, new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0), null, null),
                Unpooled.buffer(1));
    }

    private static int correlationIdOfNextResponse(EmbeddedChannel ch) {
        ByteBuf frame = ch.readOutbound(); // size prefix, then the response header
        int id = frame.getInt(4);
        frame.release();
        return id;
    }

    @Test
    void responsesLeaveInRequestOrderEvenWhenCompletedOutOfOrder() throws Exception {
        // given
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher));
        RequestDecoder.Decoded first = request(1);
        RequestDecoder.Decoded second = request(2);
        ch.writeInbound(first, second);
        // when
        pending.get(1).complete(new ApiVersionsResponse(new ApiVersionsResponseData()));
        ch.runPendingTasks();
        Object early = ch.readOutbound();
        pending.get(0).complete(new ApiVersionsResponse(new ApiVersionsResponseData()));
        ch.runPendingTasks();
        // then
        assertNull(early, "the second response waits for the first");
        assertEquals(1, correlationIdOfNextResponse(ch));
        assertEquals(2, correlationIdOfNextResponse(ch));
        assertEquals(0, first.frame().refCnt(), "frames are released once answered");
        assertEquals(0, second.frame().refCnt());
    }

    @Test
    void aNullResponseSendsNothingButKeepsOrder() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new InOrderResponder(dispatcher));
        ch.writeInbound(request(1), request(2));
        pending.get(0).complete(null); // acks=0
        pending.get(1).complete(new ApiVersionsResponse(new ApiVersionsResponseData()));
        ch.runPendingTasks();
        assertEquals(2, correlationIdOfNextResponse(ch));
        assertNull(ch.readOutbound());
    }
}
