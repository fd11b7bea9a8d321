package io.kafkalite.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

class KafkaFrameDecoderTest {
    @Test
    void splitsFramesArrivingInPieces() {
        // given
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(100));
        ByteBuf two = Unpooled.buffer().writeInt(3).writeBytes(new byte[] {1, 2, 3}).writeInt(1).writeByte(9);
        // when
        ch.writeInbound(two.readRetainedSlice(5));
        ByteBuf none = ch.readInbound();
        ch.writeInbound(two.readRetainedSlice(two.readableBytes()));
        // then
        assertNull(none, "an incomplete frame waits");
        ByteBuf first = ch.readInbound();
        ByteBuf second = ch.readInbound();
        assertEquals(3, first.readableBytes());
        assertEquals(3, first.getByte(2));
        assertEquals(1, second.readableBytes());
        first.release();
        second.release();
        two.release();
    }

    @Test
    void gathersAFrameWhoseSizeAndBytesSpanReads() {
        // given: a 300-byte frame whose size field and body are cut across four reads, then a whole small frame
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1000));
        byte[] body = new byte[300];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        ByteBuf bytes = Unpooled.buffer().writeInt(300).writeBytes(body).writeInt(2).writeByte(7).writeByte(8);
        // when
        ch.writeInbound(bytes.readRetainedSlice(2));
        ch.writeInbound(bytes.readRetainedSlice(3));
        ch.writeInbound(bytes.readRetainedSlice(150));
        ByteBuf none = ch.readInbound();
        ch.writeInbound(bytes.readRetainedSlice(bytes.readableBytes()));
        // then
        assertNull(none, "an incomplete frame waits");
        ByteBuf frame = ch.readInbound();
        ByteBuf small = ch.readInbound();
        assertEquals(300, frame.readableBytes());
        for (int i = 0; i < body.length; i++) {
            assertEquals((byte) i, frame.getByte(i), "byte " + i);
        }
        assertEquals(2, small.readableBytes());
        assertEquals(8, small.getByte(1));
        frame.release();
        small.release();
        assertEquals(0, bytes.refCnt() - 1, "every read was released");
        bytes.release();
    }

    @Test
    void releasesAPartlyGatheredFrameWhenTheConnectionCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1000));
        ByteBuf start = Unpooled.buffer().writeInt(500).writeBytes(new byte[100]);
        ch.writeInbound(start);
        assertEquals(0, start.refCnt(), "the read is released once copied");
        assertFalse(ch.finish(), "no frame");
    }

    @Test
    void closesOnAnOversizedOrNegativeSizeBeforeBuffering() {
        EmbeddedChannel big = new EmbeddedChannel(new KafkaFrameDecoder(100));
        big.writeInbound(Unpooled.buffer().writeInt(101));
        assertFalse(big.isOpen());
        EmbeddedChannel negative = new EmbeddedChannel(new KafkaFrameDecoder(100));
        negative.writeInbound(Unpooled.buffer().writeInt(-1));
        assertFalse(negative.isOpen());
    }

    @Test
    void beforeSaslAuthenticationFramesAreBoundBySaslServerMaxReceiveSize() {
        Connection connection = new Connection(new ListenerName("SASL_PLAINTEXT"), SecurityProtocol.SASL_PLAINTEXT,
                new InetSocketAddress("127.0.0.1", 5555));
        EmbeddedChannel unauthenticated = new EmbeddedChannel(new KafkaFrameDecoder(1000, connection, 100));
        unauthenticated.writeInbound(Unpooled.buffer().writeInt(101));
        assertFalse(unauthenticated.isOpen(), "101 bytes before authentication: closed");

        connection.authenticated(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice"), 0);
        EmbeddedChannel authenticated = new EmbeddedChannel(new KafkaFrameDecoder(1000, connection, 100));
        authenticated.writeInbound(Unpooled.buffer().writeInt(101).writeBytes(new byte[101]));
        ByteBuf frame = authenticated.readInbound();
        assertEquals(101, frame.readableBytes(), "after authentication socket.request.max.bytes applies");
        frame.release();
    }
}
