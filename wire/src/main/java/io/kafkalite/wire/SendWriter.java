package io.kafkalite.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Turns a kafka-clients {@link Send} (a serialized response, size prefix included) into Netty
 * messages without copying its buffers (they are wrapped). File slices become zero-copy file regions
 * (sendfile), except on TLS connections, which need the bytes: there they are read into pooled
 * direct buffers, on the thread that serializes (a request-handler thread, not the event loop).
 */
final class SendWriter implements TransferableChannel {
    private final List<Object> pieces = new ArrayList<>();
    private final boolean copyFiles;

    private SendWriter(boolean copyFiles) {
        this.copyFiles = copyFiles;
    }

    /** The messages to write for the whole send, in order (at least one). */
    static List<Object> pieces(Send send, boolean copyFiles) throws IOException {
        SendWriter writer = new SendWriter(copyFiles);
        try {
            while (!send.completed()) {
                send.writeTo(writer);
            }
        } catch (IOException | RuntimeException e) {
            release(writer.pieces);
            throw e;
        }
        if (writer.pieces.isEmpty()) {
            writer.pieces.add(Unpooled.EMPTY_BUFFER);
        }
        return writer.pieces;
    }

    /**
     * Writes and flushes the pieces; the returned future completes when the last byte has been
     * handed to the socket (or fails when the connection closes first).
     */
    static ChannelFuture writeAndFlush(ChannelHandlerContext ctx, List<Object> pieces) {
        int last = pieces.size() - 1;
        for (int i = 0; i < last; i++) {
            ctx.write(pieces.get(i), ctx.voidPromise());
        }
        return ctx.writeAndFlush(pieces.get(last));
    }

    static void release(List<Object> pieces) {
        pieces.forEach(ReferenceCountUtil::safeRelease);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        if (n > 0) {
            pieces.add(Unpooled.wrappedBuffer(src.slice()));
            src.position(src.limit());
        }
        return n;
    }

    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
        if (!copyFiles) {
            pieces.add(new SharedFileRegion(fileChannel, position, count));
            return count;
        }
        ByteBuf bytes = PooledByteBufAllocator.DEFAULT.directBuffer((int) count);
        try {
            while (bytes.writerIndex() < count) {
                int read = bytes.writeBytes(fileChannel, position + bytes.writerIndex(), (int) count - bytes.writerIndex());
                if (read < 0) {
                    throw new IOException("Segment ended " + (count - bytes.writerIndex()) + " bytes early");
                }
            }
        } catch (IOException | RuntimeException e) {
            bytes.release();
            throw e;
        }
        pieces.add(bytes);
        return count;
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() { }
}
