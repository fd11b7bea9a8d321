package io.kafkalite.handlers;

import io.kafkalite.wire.Connection;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SASL state of one connection between its SaslHandshake and SaslAuthenticate requests, kept in
 * {@link Connection#saslExchange()}. The wire serves one request of a connection at a time; the handlers
 * still lock it, as its fields move between request-handler threads.
 */
final class SaslExchange {
    private static final Logger log = LoggerFactory.getLogger(SaslExchange.class);

    /** The mechanism of the last successful handshake; null before the first. */
    String mechanism;
    /** The exchange in progress: set by a handshake, null once it completed or failed. */
    SaslServer server;
    /** Set when the next SaslAuthenticate must fail with this message (re-authentication with another mechanism). */
    String pendingFailure;
    /** The exchange in progress re-authenticates an authenticated connection (KIP-368). */
    boolean reauthenticating;
    /** The principal and mechanism of the last completed authentication, which a re-authentication must keep. */
    KafkaPrincipal principal;
    String authenticatedMechanism;
    /** The client sent SaslAuthenticate v1+, so it knows re-authentication; only then does a handshake start one. */
    boolean clientSupportsReauthentication;

    private SaslExchange() { }

    static SaslExchange of(Connection connection) {
        synchronized (connection) {
            Object exchange = connection.saslExchange();
            if (exchange == null) {
                exchange = new SaslExchange();
                connection.saslExchange(exchange);
            }
            return (SaslExchange) exchange;
        }
    }

    String authenticationText() {
        return reauthenticating ? "re-authentication" : "authentication";
    }

    /** Ends the exchange in progress, if any. */
    void disposeServer() {
        if (server != null) {
            try {
                server.dispose();
            } catch (SaslException | RuntimeException e) {
                log.debug("Disposing the {} SASL server failed", mechanism, e);
            }
            server = null;
        }
    }
}
