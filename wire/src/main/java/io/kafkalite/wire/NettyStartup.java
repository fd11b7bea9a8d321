package io.kafkalite.wire;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.nio.NioIoHandler;

/**
 * What the broker does before Netty's first use: its settings (read once, when Netty's classes initialize), and
 * optionally the initialization of the classes every listener needs, on a thread of its own.
 */
public final class NettyStartup {
    /**
     * Netty 4.2's buffer allocator emits JFR events. Checking whether they are enabled initializes JFR's Java side
     * even when no recording runs: 0.1 to 0.3 s of the broker's first request, on every start. A user who records
     * those events sets {@code -Dio.netty.jfr.enabled=true}.
     */
    static final String JFR_EVENTS = "io.netty.jfr.enabled";

    private static Thread preloader;

    private NettyStartup() { }

    /** Netty settings of ours, each only where the JVM does not set it already ({@code -D} on the command line wins). */
    public static void applyDefaults() {
        if (System.getProperty(JFR_EVENTS) == null) {
            System.setProperty(JFR_EVENTS, "false");
        }
    }

    /**
     * Starts initializing what every listener needs (the buffer allocator, channel ids, which read the network
     * interfaces, the NIO transport) on a thread of its own, about 30 ms of a start; only the first call does
     * anything. {@link #awaitPreload()} must come before this thread's first use of Netty: two threads
     * initializing Netty's classes in different orders could wait on each other.
     */
    public static synchronized void preload() {
        if (preloader != null) {
            return;
        }
        applyDefaults();
        preloader = new Thread(() -> {
            ByteBufAllocator allocator = ByteBufAllocator.DEFAULT; // initializes it, allocates nothing
            DefaultChannelId.newInstance();
            NioIoHandler.newFactory();
            allocator.isDirectBufferPooled();
        }, "netty-preload");
        preloader.setDaemon(true);
        preloader.start();
    }

    /** Waits for {@link #preload()}, if it was called; returns at once otherwise. */
    public static void awaitPreload() throws InterruptedException {
        Thread running;
        synchronized (NettyStartup.class) {
            running = preloader;
        }
        if (running != null) {
            running.join();
        }
    }
}
