package io.kafkalite.wire;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.network.ListenerName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty server of one listener. On the server channel, {@link ConnectionQuotas} applies
 * {@code max.connections} and {@code max.connections.per.ip}. Pipeline per connection:
 * [TLS -> handshake watcher, on SSL and SASL_SSL listeners] -> idle timer ({@code connections.max.idle.ms}) -> frame decoder -> request decoder -> in-order
 * responder (which dispatches one request at a time; handlers run on the {@link RequestHandlerPool}).
 * Outbound bytes are counted with file regions at their size, so writability is true for zero-copy
 * fetches too; with one request at a time at most one response per connection is queued.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final ListenerName listener;
    private final ConnectionQuotas quotas;

    /** Netty's default estimator counts a FileRegion as 0 bytes; count it at its size. */
    private static final MessageSizeEstimator.Handle DEFAULT_SIZES = DefaultMessageSizeEstimator.DEFAULT.newHandle();
    private static final MessageSizeEstimator REGIONS_BY_SIZE = () -> msg -> msg instanceof FileRegion region
            ? (int) Math.min(Integer.MAX_VALUE, region.count()) : DEFAULT_SIZES.size(msg);

    private KafkaServer(EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel, ListenerName listener, ConnectionQuotas quotas) {
        this.listener = listener;
        this.quotas = quotas;
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds and starts serving.
     * @param spec          where to bind and how to secure connections; port 0 picks a free port, see {@link #port()}
     * @param maxFrameBytes {@code socket.request.max.bytes}
     * @param threads       event loop threads ({@code num.network.threads})
     * @param limits        connection limits and idle timeout
     * @param pool          the request-handler pool the dispatcher runs handlers on (for waiting on a full queue); may be null
     */
    public static KafkaServer start(ListenerSpec spec, int maxFrameBytes, int threads, ConnectionLimits limits, RequestHandlerPool pool,
                                    RequestDispatcher dispatcher) throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        ConnectionQuotas quotas = new ConnectionQuotas(limits);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 4 * 1024 * 1024))
                .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, REGIONS_BY_SIZE)
                .handler(quotas)
                // with max.connections set, accept one connection per loop so the limit stops accepting exactly at it
                .option(ChannelOption.RCVBUF_ALLOCATOR, new ServerChannelRecvByteBufAllocator()
                        .maxMessagesPerRead(limits.maxConnections() == Integer.MAX_VALUE ? 16 : 1))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Connection connection = new Connection(spec.name(), spec.protocol(), ch.remoteAddress(), limits.failedAuthenticationDelayMs());
                        if (spec.tls() != null) {
                            ch.pipeline()
                                    .addLast("tls", spec.tls().newHandler(ch.alloc()))
                                    .addLast("tls-handshake", new TlsHandshakeWatcher(connection, spec.certificatePrincipal()));
                        }
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(true, 0, 0, limits.connectionsMaxIdleMs(), TimeUnit.MILLISECONDS))
                                .addLast("frames", new KafkaFrameDecoder(maxFrameBytes, connection, spec.maxUnauthenticatedFrameBytes()))
                                .addLast("requests", new RequestDecoder(dispatcher, connection))
                                .addLast("responder", new InOrderResponder(dispatcher, pool));
                    }
                });
        InetSocketAddress address = spec.host() == null || spec.host().isEmpty() ? new InetSocketAddress(spec.port())
                : new InetSocketAddress(spec.host(), spec.port());
        try {
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("Listener " + spec.name().value() + ": cannot resolve host " + spec.host());
            }
            Channel channel = b.bind(address).sync().channel();
            return new KafkaServer(boss, workers, channel, spec.name(), quotas);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Applies changed {@code max.connections}, {@code max.connections.per.ip} and {@code .overrides} (dynamic broker
     * configs) to new connections; the idle timeout and the authentication delay, static in Kafka, stay as started.
     */
    public void updateConnectionLimits(ConnectionLimits limits) {
        serverChannel.eventLoop().execute(() -> {
            if (limits.maxConnections() != Integer.MAX_VALUE) { // accept one per loop, so the limit stops accepting exactly at it
                serverChannel.config().setRecvByteBufAllocator(new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(1));
            }
            quotas.update(limits, serverChannel);
        });
    }

    public ListenerName listener() {
        return listener;
    }

    /** The port actually bound. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("Listener {} on port {} closed", listener, port());
    }
}
