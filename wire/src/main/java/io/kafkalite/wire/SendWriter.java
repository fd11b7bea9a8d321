package io.kafkalite.wire;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Writes a kafka-clients {@link Send} (a serialized response, size prefix included) to a Netty
 * channel without copying: its buffers are wrapped and its file slices become file regions
 * (sendfile). Not for TLS channels, which need the bytes.
 */
final class SendWriter implements TransferableChannel {
    private final List<Object> pieces = new ArrayList<>();

    private SendWriter() { }

    /**
     * Writes and flushes the whole send; the returned future completes when its last byte has been
     * handed to the socket (or fails when the connection closes first).
     */
    static ChannelFuture writeAndFlush(ChannelHandlerContext ctx, Send send) throws IOException {
        SendWriter writer = new SendWriter();
        while (!send.completed()) {
            send.writeTo(writer);
        }
        int last = writer.pieces.size() - 1;
        for (int i = 0; i < last; i++) {
            ctx.write(writer.pieces.get(i), ctx.voidPromise());
        }
        return ctx.writeAndFlush(last < 0 ? Unpooled.EMPTY_BUFFER : writer.pieces.get(last));
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
    public long transferFrom(FileChannel fileChannel, long position, long count) {
        pieces.add(new SharedFileRegion(fileChannel, position, count));
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
