package io.kafkalite.wire;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Writes a kafka-clients {@link Send} (a serialized response, size prefix included) to a Netty
 * channel without copying: its buffers are wrapped and its file slices become file regions
 * (sendfile). Not for TLS channels, which need the bytes.
 */
final class SendWriter implements TransferableChannel {
    private final ChannelHandlerContext ctx;

    private SendWriter(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    static void write(ChannelHandlerContext ctx, Send send) throws IOException {
        SendWriter writer = new SendWriter(ctx);
        while (!send.completed()) {
            send.writeTo(writer);
        }
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
            ctx.write(Unpooled.wrappedBuffer(src.slice()), ctx.voidPromise());
            src.position(src.limit());
        }
        return n;
    }

    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) {
        ctx.write(new SharedFileRegion(fileChannel, position, count), ctx.voidPromise());
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
