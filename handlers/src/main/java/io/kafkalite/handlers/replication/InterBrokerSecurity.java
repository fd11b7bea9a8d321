package io.kafkalite.handlers.replication;

import io.kafkalite.acl.SaslClientLogin;
import io.kafkalite.acl.TlsClientSockets;
import io.kafkalite.handlers.BrokerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * How this broker's own connections to other brokers are secured: the inter-broker listener's name and security
 * protocol ({@link InterBrokerListener#name}), its client-side TLS (SSL, SASL_SSL) and its SASL login (SASL_PLAINTEXT,
 * SASL_SSL), all from the broker's settings as Kafka reads them. Built once at start-up, where anything it cannot
 * honour stops the start ({@link ConfigException}); then shared by every {@link InterBrokerClient}.
 */
public final class InterBrokerSecurity {
    private final String listener;
    private final SecurityProtocol protocol;
    private final TlsClientSockets tls;
    private final SaslClientLogin sasl;

    private InterBrokerSecurity(String listener, SecurityProtocol protocol, TlsClientSockets tls, SaslClientLogin sasl) {
        this.listener = listener;
        this.protocol = protocol;
        this.tls = tls;
        this.sasl = sasl;
    }

    /**
     * The inter-broker listener's client side, from {@code inter.broker.listener.name} (or
     * {@code security.inter.broker.protocol}), {@code listener.security.protocol.map}, the listener's
     * {@code ssl.*} settings and {@code sasl.mechanism.inter.broker.protocol} with its JAAS entry.
     * @throws ConfigException with the reason, for the start-up message
     */
    public static InterBrokerSecurity of(BrokerConfig config) {
        String name = InterBrokerListener.name(config);
        SecurityProtocol protocol = InterBrokerListener.protocol(name, (String) config.value("listener.security.protocol.map"));
        ListenerName listener = ListenerName.normalised(name);
        TlsClientSockets tls = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL
                ? TlsClientSockets.forListener(config.originals(), listener) : null;
        SaslClientLogin sasl = protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL
                ? SaslClientLogin.forListener(config.originals(), listener, (String) config.value("sasl.mechanism.inter.broker.protocol"))
                : null;
        return new InterBrokerSecurity(name, protocol, tls, sasl);
    }

    /** The inter-broker listener's name, as brokers register their endpoints. */
    public String listener() {
        return listener;
    }

    public SecurityProtocol protocol() {
        return protocol;
    }

    /** The SASL login of a SASL listener, else null. */
    SaslClientLogin sasl() {
        return sasl;
    }

    /**
     * The connection to use over a connected socket: TLS after its handshake on SSL and SASL_SSL, else the socket.
     * @throws org.apache.kafka.common.errors.SslAuthenticationException when the TLS handshake fails
     */
    Socket secure(Socket connected, InetSocketAddress address) throws IOException {
        return tls == null ? connected : tls.wrap(connected, address.getHostString(), address.getPort());
    }

    @Override
    public String toString() {
        return listener + " (" + protocol + (sasl == null ? "" : ", SASL " + sasl.mechanism() + " as " + sasl.username()) + ")";
    }
}
