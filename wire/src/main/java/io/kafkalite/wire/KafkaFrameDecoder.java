package io.kafkalite.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
 * A size below zero or above {@code socket.request.max.bytes} closes the connection before any of the
 * frame is buffered, as Kafka does (InvalidReceiveException). Before a SASL connection has authenticated
 * the bound is {@code sasl.server.max.receive.size} (Kafka's SaslServerAuthenticator), so an
 * unauthenticated client cannot make the broker buffer large frames.
 */
public final class KafkaFrameDecoder extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(KafkaFrameDecoder.class);

    private final int maxFrameBytes;
    private final Connection connection;
    private final int maxUnauthenticatedBytes;

    public KafkaFrameDecoder(int maxFrameBytes) {
        this(maxFrameBytes, null, maxFrameBytes);
    }

    /** @param connection its authentication state; null for none (tests) */
    public KafkaFrameDecoder(int maxFrameBytes, Connection connection, int maxUnauthenticatedBytes) {
        this.maxFrameBytes = maxFrameBytes;
        this.connection = connection;
        this.maxUnauthenticatedBytes = maxUnauthenticatedBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int size = in.getInt(in.readerIndex());
        if (connection != null && !connection.isAuthenticated() && (size < 0 || size > maxUnauthenticatedBytes)) {
            log.warn("Closing connection from {}: request size {} before authentication is outside [0, sasl.server.max.receive.size={}]",
                    ctx.channel().remoteAddress(), size, maxUnauthenticatedBytes);
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        if (size < 0 || size > maxFrameBytes) {
            log.warn("Closing connection from {}: request size {} is outside [0, socket.request.max.bytes={}]",
                    ctx.channel().remoteAddress(), size, maxFrameBytes);
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        if (in.readableBytes() < 4 + size) {
            return;
        }
        in.skipBytes(4);
        out.add(in.readRetainedSlice(size));
    }
}
