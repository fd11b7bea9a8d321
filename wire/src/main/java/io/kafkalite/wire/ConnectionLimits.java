package io.kafkalite.wire;

import java.net.InetAddress;
import java.util.Map;

/**
 * The connection configs of a listener, with Kafka's names.
 * @param connectionsMaxIdleMs  {@code connections.max.idle.ms}: a connection with no request and no response
 *                              progress for this long is closed (see {@link InOrderResponder})
 * @param maxConnections        {@code max.connections}
 * @param maxConnectionsPerIp   {@code max.connections.per.ip}
 * @param perIpOverrides        {@code max.connections.per.ip.overrides}, resolved to addresses
 * @param failedAuthenticationDelayMs {@code connection.failed.authentication.delay.ms}
 */
public record ConnectionLimits(long connectionsMaxIdleMs, int maxConnections, int maxConnectionsPerIp,
                               Map<InetAddress, Integer> perIpOverrides, long failedAuthenticationDelayMs) {
    /** Kafka's defaults: idle after 10 minutes, no connection limits, failed authentications answered after 100 ms. */
    public static final ConnectionLimits DEFAULTS = new ConnectionLimits(600_000L, Integer.MAX_VALUE, Integer.MAX_VALUE, Map.of(), 100);

    public ConnectionLimits {
        perIpOverrides = Map.copyOf(perIpOverrides);
    }

    int maxConnectionsPerIp(InetAddress address) {
        return perIpOverrides.getOrDefault(address, maxConnectionsPerIp);
    }
}
