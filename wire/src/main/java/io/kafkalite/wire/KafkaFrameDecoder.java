package io.kafkalite.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
 * A size below zero or above {@code socket.request.max.bytes} closes the connection before any of the
 * frame is buffered, as Kafka does (InvalidReceiveException). Before a SASL connection has authenticated
 * the bound is {@code sasl.server.max.receive.size} (Kafka's SaslServerAuthenticator), so an
 * unauthenticated client cannot make the broker buffer large frames.
 * <p>
 * A frame that arrived whole within one read is a slice of that read's buffer. A frame spread over reads is
 * gathered into a pooled buffer of exactly its size, allocated once its size is known. Netty's cumulating decoder
 * instead grew one buffer across pipelined requests and copied it whenever a held frame still shared it: with
 * produce requests of a megabyte, that meant unpooled, zeroed direct buffers of several megabytes per read.
 */
public final class KafkaFrameDecoder extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KafkaFrameDecoder.class);

    private final int maxFrameBytes;
    private final Connection connection;
    private final int maxUnauthenticatedBytes;
    /** How many bytes of the next frame's size field have arrived (0 to 3 between reads), and their value so far. */
    private int sizeBytes;
    private int size;
    /** The frame being gathered over several reads; null when none. */
    private ByteBuf partial;
    private boolean closing;
    /** Whether the current read (up to channelReadComplete) passed a frame on. */
    private boolean passedFrame;

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
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            while (in.isReadable() && !closing) {
                if (partial != null) {
                    partial.writeBytes(in, Math.min(in.readableBytes(), partial.writableBytes()));
                    if (!partial.isWritable()) {
                        ByteBuf frame = partial;
                        partial = null;
                        pass(ctx, frame);
                    }
                } else if (readSize(in) && acceptable(ctx)) {
                    if (in.readableBytes() >= size) {
                        pass(ctx, in.readRetainedSlice(size));
                    } else {
                        partial = PooledByteBufAllocator.DEFAULT.directBuffer(size, size);
                    }
                }
            }
        } finally {
            in.release();
        }
    }

    /** Reads the size field, or as much of it as has arrived; true once it is complete (then in {@link #size}). */
    private boolean readSize(ByteBuf in) {
        if (sizeBytes == 0 && in.readableBytes() >= 4) {
            size = in.readInt();
            return true;
        }
        while (sizeBytes < 4 && in.isReadable()) {
            size = sizeBytes == 0 ? in.readUnsignedByte() : size << 8 | in.readUnsignedByte();
            sizeBytes++;
        }
        if (sizeBytes < 4) {
            return false;
        }
        sizeBytes = 0;
        return true;
    }

    private boolean acceptable(ChannelHandlerContext ctx) {
        if (connection != null && !connection.isAuthenticated() && (size < 0 || size > maxUnauthenticatedBytes)) {
            log.warn("Closing connection from {}: request size {} before authentication is outside [0, sasl.server.max.receive.size={}]",
                    ctx.channel().remoteAddress(), size, maxUnauthenticatedBytes);
        } else if (size < 0 || size > maxFrameBytes) {
            log.warn("Closing connection from {}: request size {} is outside [0, socket.request.max.bytes={}]",
                    ctx.channel().remoteAddress(), size, maxFrameBytes);
        } else {
            return true;
        }
        closing = true;
        ctx.close();
        return false;
    }

    private void pass(ChannelHandlerContext ctx, ByteBuf frame) {
        passedFrame = true;
        ctx.fireChannelRead(frame);
    }

    /** As Netty's decoders do: a read that completed no frame while reading is off asks for more, to finish it. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!passedFrame && !ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
        passedFrame = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePartial();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePartial();
    }

    private void releasePartial() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }
}
