package io.kafkalite.wire;

/**
 * Netty settings of ours, applied before Netty's first use (Netty reads them once, when its classes initialize).
 * Each is set only where the JVM does not set it already, so {@code -D} on the command line wins.
 */
public final class NettyDefaults {
    /**
     * Netty 4.2's buffer allocator emits JFR events. Checking whether they are enabled initializes JFR's Java side
     * even when no recording runs: 0.1 to 0.3 s of the broker's first request, on every start. A user who records
     * those events sets {@code -Dio.netty.jfr.enabled=true}.
     */
    static final String JFR_EVENTS = "io.netty.jfr.enabled";

    private NettyDefaults() { }

    public static void apply() {
        if (System.getProperty(JFR_EVENTS) == null) {
            System.setProperty(JFR_EVENTS, "false");
        }
    }
}
