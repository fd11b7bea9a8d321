package io.kafkalite.acl;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.network.ListenerName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of TLS for the broker's own connections to other brokers' inter-broker listener, configured as
 * a Kafka broker configures its inter-broker client: from that listener's settings ({@code listener.name.<name>.ssl.*}
 * over {@code ssl.*}), with the same stores and checks as the listener's server side ({@link TlsStores},
 * {@link TlsContexts}): the key store, when set, answers a peer that asks for a client certificate; the trust
 * store verifies the peer; {@code ssl.endpoint.identification.algorithm} (Kafka's default https: the peer's
 * certificate must name the host dialled), {@code ssl.protocol}, {@code ssl.provider},
 * {@code ssl.enabled.protocols}, {@code ssl.cipher.suites}, {@code ssl.secure.random.implementation}. Blocking JDK
 * sockets, for the blocking inter-broker client.
 */
public final class TlsClientSockets {
    private static final Logger log = LoggerFactory.getLogger(TlsClientSockets.class);

    private final SSLContext context;
    private final String[] protocols;
    private final String[] ciphers;
    private final String endpointIdentification;

    private TlsClientSockets(SSLContext context, String[] protocols, String[] ciphers, String endpointIdentification) {
        this.context = context;
        this.protocols = protocols;
        this.ciphers = ciphers;
        this.endpointIdentification = endpointIdentification;
    }

    /**
     * @param props the broker's properties as configured
     * @throws ConfigException naming the listener and the setting when the settings cannot be honoured
     */
    public static TlsClientSockets forListener(Map<String, String> props, ListenerName listener) {
        String name = listener.value();
        Map<String, Object> configs = ListenerSecurityConfigs.parse(props, listener);
        TlsContexts.checkEngineFactory(name, configs);
        Provider provider = TlsContexts.jcaProvider(name, configs);
        boolean hasKeyStore = configs.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) != null
                || configs.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG) != null;
        KeyManager[] keyManagers = hasKeyStore ? TlsStores.keyManagers(name, configs).getKeyManagers() : null;
        SSLContext context;
        String protocol = (String) configs.get(SslConfigs.SSL_PROTOCOL_CONFIG);
        try {
            context = provider != null ? SSLContext.getInstance(protocol, provider) : SSLContext.getInstance(protocol);
            context.init(keyManagers, TlsStores.trustManagers(name, configs).getTrustManagers(), TlsContexts.secureRandom(name, configs));
        } catch (GeneralSecurityException e) {
            throw TlsStores.fail(name, SslConfigs.SSL_PROTOCOL_CONFIG + "=" + protocol, "cannot be used", e);
        }
        String[] protocols = TlsContexts.strings(configs, SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG).toArray(String[]::new);
        List<String> cipherList = TlsContexts.strings(configs, SslConfigs.SSL_CIPHER_SUITES_CONFIG);
        String[] ciphers = cipherList.isEmpty() ? null : cipherList.toArray(String[]::new);
        String endpoint = (String) configs.get(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG);
        TlsClientSockets sockets = new TlsClientSockets(context, protocols, ciphers, endpoint == null ? "" : endpoint.trim());
        sockets.checkProtocolsAndCiphers(name);
        log.info("Inter-broker listener {}: TLS client, {} key store, protocols {}, endpoint identification '{}'", name,
                hasKeyStore ? "with a" : "without", List.of(protocols), sockets.endpointIdentification);
        return sockets;
    }

    /**
     * Layers TLS over a connected socket and completes the handshake (within the socket's read timeout).
     * @param host the host dialled, which the peer's certificate must name when endpoint identification is on
     * @throws SslAuthenticationException when the handshake fails (the peer is not trusted, or does not trust us)
     * @throws IOException when the connection breaks
     */
    public SSLSocket wrap(Socket connected, String host, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(connected, host, port, true);
        socket.setUseClientMode(true);
        socket.setSSLParameters(parameters(socket.getSSLParameters()));
        try {
            socket.startHandshake();
        } catch (SSLHandshakeException e) {
            socket.close();
            throw new SslAuthenticationException("TLS handshake with " + host + ":" + port + " failed: " + e.getMessage(), e);
        }
        return socket;
    }

    private SSLParameters parameters(SSLParameters p) {
        p.setProtocols(protocols);
        if (ciphers != null) {
            p.setCipherSuites(ciphers);
        }
        if (!endpointIdentification.isEmpty()) {
            p.setEndpointIdentificationAlgorithm(endpointIdentification);
        }
        return p;
    }

    /** Unknown protocol or suite names fail only when applied: apply them now so start-up stops. */
    private void checkProtocolsAndCiphers(String listener) {
        SSLEngine probe = context.createSSLEngine();
        try {
            probe.setUseClientMode(true);
            probe.setSSLParameters(parameters(probe.getSSLParameters()));
        } catch (IllegalArgumentException e) {
            throw TlsStores.fail(listener, SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG + " / " + SslConfigs.SSL_CIPHER_SUITES_CONFIG,
                    "cannot be used", e);
        }
        if (probe.getEnabledProtocols().length == 0 || probe.getEnabledCipherSuites().length == 0) {
            throw TlsStores.fail(listener, SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG + " / " + SslConfigs.SSL_CIPHER_SUITES_CONFIG,
                    "leave no protocol or cipher suite to use", null);
        }
    }
}
