package io.kafkalite.handlers;

import io.kafkalite.acl.SaslMechanisms;
import io.kafkalite.wire.Connection;
import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SaslHandshake, v0-v1: the client picks the mechanism of its SASL exchange, as Kafka's
 * SaslServerAuthenticator handles it.
 * <ul>
 * <li>On a listener without SASL: ILLEGAL_SASL_STATE (the connection stays open, as in Kafka).</li>
 * <li>A mechanism the listener does not enable: UNSUPPORTED_SASL_MECHANISM with the enabled list, then
 *     the connection closes.</li>
 * <li>A second handshake before the exchange completed: ILLEGAL_SASL_STATE, then close.</li>
 * <li>On an authenticated connection whose client sent SaslAuthenticate v1+, the handshake starts a
 *     re-authentication (KIP-368); it must use the same mechanism (else the next SaslAuthenticate fails
 *     and the connection closes, as in Kafka). Without v1+, ILLEGAL_SASL_STATE.</li>
 * </ul>
 * Not supported: v0's raw SASL tokens without Kafka headers (clients before Kafka 1.0). The v0 handshake is
 * answered, but the raw token that follows is no Kafka request, so the connection closes.
 */
public final class SaslHandshakeHandler implements Handler.Immediate<SaslHandshakeRequest> {
    private static final Logger log = LoggerFactory.getLogger(SaslHandshakeHandler.class);
    private final Map<ListenerName, SaslMechanisms> mechanisms;

    /** @param mechanisms the mechanisms of each SASL listener */
    public SaslHandshakeHandler(Map<ListenerName, SaslMechanisms> mechanisms) {
        this.mechanisms = mechanisms;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.SASL_HANDSHAKE;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, SaslHandshakeRequest body) {
        Connection connection = request.connection();
        SaslMechanisms listenerMechanisms = connection == null ? null : mechanisms.get(connection.listener());
        if (connection == null || !connection.usesSasl() || listenerMechanisms == null) {
            if (connection != null && connection.usesSasl()) {
                log.error("SASL listener {} has no SASL mechanisms configured; closing the connection from {}",
                        connection.listener().value(), connection.remote());
                connection.closeAfterResponse();
            }
            return response(Errors.ILLEGAL_SASL_STATE, List.of());
        }
        List<String> enabled = listenerMechanisms.enabled();
        String mechanism = body.data().mechanism();
        SaslExchange exchange = SaslExchange.of(connection);
        synchronized (exchange) {
            if (exchange.server != null || exchange.pendingFailure != null) {
                log.info("Failed {}authentication with {} (Unexpected Kafka request of type SASL_HANDSHAKE during SASL authentication.)",
                        exchange.reauthenticating ? "re-" : "", connection.remote());
                connection.closeAfterResponse();
                return response(Errors.ILLEGAL_SASL_STATE, enabled);
            }
            boolean reauthenticating = connection.isAuthenticated();
            if (reauthenticating && !exchange.clientSupportsReauthentication) {
                return response(Errors.ILLEGAL_SASL_STATE, enabled); // Kafka's request handler answers it so
            }
            if (!reauthenticating && exchange.mechanism != null) {
                connection.closeAfterResponse(); // a previous exchange failed or ended without authenticating
                return response(Errors.ILLEGAL_SASL_STATE, enabled);
            }
            if (!listenerMechanisms.isEnabled(mechanism)) {
                log.info("Failed {}authentication with {} (Unsupported SASL mechanism {})", reauthenticating ? "re-" : "",
                        connection.remote(), mechanism.length() > 64 ? mechanism.substring(0, 64) + "..." : mechanism);
                connection.closeAfterResponse();
                return response(Errors.UNSUPPORTED_SASL_MECHANISM, enabled);
            }
            exchange.mechanism = mechanism;
            exchange.reauthenticating = reauthenticating;
            if (reauthenticating && !mechanism.equals(exchange.authenticatedMechanism)) {
                exchange.pendingFailure = String.format("SASL mechanism '%s' requested by client is not supported for re-authentication"
                        + " of mechanism '%s'", mechanism, exchange.authenticatedMechanism);
            } else {
                exchange.server = listenerMechanisms.newServer(mechanism);
                if (body.version() == 0 && !reauthenticating) {
                    connection.expectRawSaslTokens(); // v0: the tokens follow as bare size-prefixed frames (clients before Kafka 1.0, older Sarama)
                }
            }
            log.debug("Using SASL mechanism {} for {} of {}", mechanism, exchange.authenticationText(), connection.remote());
            return response(Errors.NONE, enabled);
        }
    }

    private static SaslHandshakeResponse response(Errors error, List<String> enabled) {
        return new SaslHandshakeResponse(new SaslHandshakeResponseData().setErrorCode(error.code()).setMechanisms(enabled));
    }
}
