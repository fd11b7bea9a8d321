package io.kafkalite.wire;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection limits at accept, as Kafka's ConnectionQuotas applies them. Sits on the server channel
 * and sees each accepted connection before it is registered.
 * <ul>
 * <li>{@code max.connections}: at the limit the listener stops accepting (server channel autoRead off)
 *     until a connection closes, so new connections wait in the TCP backlog, as Kafka's acceptor blocks
 *     in {@code waitForConnectionSlot}. A connection accepted in the same batch beyond the limit is closed.</li>
 * <li>{@code max.connections.per.ip} and {@code max.connections.per.ip.overrides}: a connection over
 *     its address's limit is closed at once (Kafka: TooManyConnectionsException, then close).</li>
 * </ul>
 * The limits may change while the listener runs ({@link #update}); existing connections stay, as in Kafka.
 */
@ChannelHandler.Sharable
final class ConnectionQuotas extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionQuotas.class);

    private volatile ConnectionLimits limits;
    private final Map<InetAddress, Integer> counts = new HashMap<>();
    private int total;

    ConnectionQuotas(ConnectionLimits limits) {
        this.limits = limits;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        InetAddress address = ((InetSocketAddress) child.remoteAddress()).getAddress();
        Channel server = ctx.channel();
        String refusal = null;
        synchronized (this) {
            int max = limits.maxConnectionsPerIp(address);
            int count = counts.getOrDefault(address, 0);
            if (count >= max) {
                refusal = "max.connections.per.ip=" + max + " reached for " + address.getHostAddress();
            } else if (total >= limits.maxConnections()) {
                refusal = "max.connections=" + limits.maxConnections() + " reached";
            } else {
                counts.put(address, count + 1);
                total++;
                if (total >= limits.maxConnections()) {
                    server.config().setAutoRead(false);
                    log.info("max.connections={} reached; not accepting new connections until one closes", limits.maxConnections());
                }
            }
        }
        if (refusal != null) {
            log.info("Closing connection from {}: {}", child.remoteAddress(), refusal);
            child.unsafe().closeForcibly();
            return;
        }
        child.closeFuture().addListener(f -> closed(server, address));
        ctx.fireChannelRead(child);
    }

    /** New limits (dynamic broker configs): accepting resumes or stops at once by the new {@code max.connections}. */
    synchronized void update(ConnectionLimits next, Channel server) {
        limits = next;
        boolean accept = total < next.maxConnections();
        if (server.config().isAutoRead() != accept) {
            server.config().setAutoRead(accept);
            log.info("max.connections={} with {} connections open: {} new connections", next.maxConnections(), total,
                    accept ? "accepting" : "not accepting");
        }
    }

    private synchronized void closed(Channel server, InetAddress address) {
        counts.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
        total--;
        if (total < limits.maxConnections() && !server.config().isAutoRead()) {
            server.config().setAutoRead(true);
        }
    }
}
