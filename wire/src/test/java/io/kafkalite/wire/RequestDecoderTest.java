package io.kafkalite.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {
    private static final RequestDispatcher ALL = new RequestDispatcher() {
        @Override
        public boolean isSupported(ApiKeys api, short version) {
            return true;
        }

        @Override
        public CompletableFuture<AbstractResponse> dispatch(KafkaRequest request) {
            return new CompletableFuture<>();
        }
    };

    private static Connection saslConnection() {
        return new Connection(new ListenerName("SASL_PLAINTEXT"), SecurityProtocol.SASL_PLAINTEXT, new InetSocketAddress("127.0.0.1", 5555));
    }

    private static ByteBuf frame(AbstractRequest request, int correlationId) {
        ByteBuffer bytes = request.serializeWithHeader(new RequestHeader(request.apiKey(), request.version(), "test", correlationId));
        return Unpooled.wrappedBuffer(bytes);
    }

    @Test
    void anotherApiBeforeAuthenticationIsRefusedFromItsHeader() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(ALL, saslConnection()));
        ch.writeInbound(frame(MetadataRequest.Builder.allTopics().build((short) 12), 1));
        assertNull(ch.readInbound(), "not handed on");
        assertFalse(ch.isOpen());
    }

    @Test
    void aRequestPipelinedBehindSaslAuthenticateIsParsedForTheResponderToGate() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(ALL, saslConnection()));
        ch.writeInbound(frame(new SaslAuthenticateRequest.Builder(new SaslAuthenticateRequestData().setAuthBytes(new byte[] {0})).build((short) 2), 1),
                frame(MetadataRequest.Builder.allTopics().build((short) 12), 2));
        RequestDecoder.Decoded authenticate = ch.readInbound();
        RequestDecoder.Decoded metadata = ch.readInbound();
        assertEquals(ApiKeys.SASL_AUTHENTICATE, authenticate.request().body().apiKey());
        assertEquals(ApiKeys.METADATA, metadata.request().body().apiKey());
        assertTrue(ch.isOpen());
        authenticate.frame().release();
        metadata.frame().release();
    }
}
