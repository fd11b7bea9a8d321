package io.kafkalite.handlers;

import io.kafkalite.acl.SaslMechanisms;
import io.kafkalite.wire.Connection;
import io.kafkalite.wire.KafkaRequest;
import java.util.Map;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SaslAuthenticate, v0-v2 (KIP-152): one SASL token of the exchange a SaslHandshake started, evaluated by
 * kafka-clients' own server mechanism, as Kafka's SaslServerAuthenticator does.
 * <ul>
 * <li>A challenge: answered with its bytes. Completion: the connection takes the principal (from the
 *     listener's principal builder) and, v1+, learns its session lifetime ({@code connections.max.reauth.ms},
 *     an OAUTHBEARER token's expiry; 0 for none).</li>
 * <li>Any failure, malformed tokens included: SASL_AUTHENTICATION_FAILED with Kafka's message (the
 *     mechanism's own when it gives one, e.g. "Authentication failed: Invalid username or password" for
 *     PLAIN, else a generic one that does not tell whether the user exists), one INFO log line naming the
 *     client, and the connection closes.</li>
 * <li>Re-authentication (KIP-368) must end with the same principal, else it fails and the connection closes.</li>
 * <li>Without a handshake: ILLEGAL_SASL_STATE and close; after authentication completed (or on a listener
 *     without SASL): ILLEGAL_SASL_STATE, "SaslAuthenticate request received after successful authentication".</li>
 * </ul>
 */
public final class SaslAuthenticateHandler implements Handler.Immediate<SaslAuthenticateRequest> {
    private static final Logger log = LoggerFactory.getLogger(SaslAuthenticateHandler.class);
    private static final byte[] NO_BYTES = new byte[0];
    private final Map<ListenerName, SaslMechanisms> mechanisms;

    /** @param mechanisms the mechanisms of each SASL listener */
    public SaslAuthenticateHandler(Map<ListenerName, SaslMechanisms> mechanisms) {
        this.mechanisms = mechanisms;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.SASL_AUTHENTICATE;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, SaslAuthenticateRequest body) {
        Connection connection = request.connection();
        SaslMechanisms listenerMechanisms = connection == null ? null : mechanisms.get(connection.listener());
        if (connection == null || !connection.usesSasl() || listenerMechanisms == null) {
            return afterAuthentication();
        }
        SaslExchange exchange = SaslExchange.of(connection);
        synchronized (exchange) {
            if (exchange.pendingFailure != null) {
                return fail(request, connection, exchange, exchange.pendingFailure);
            }
            if (exchange.server == null) {
                if (connection.isAuthenticated()) {
                    return afterAuthentication();
                }
                String message = "Unexpected Kafka request of type SASL_AUTHENTICATE during SASL handshake.";
                log.info("Failed authentication with {} ({})", connection.remote(), message);
                connection.closeAfterResponse();
                return new SaslAuthenticateResponse(new SaslAuthenticateResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                        .setErrorMessage(message).setAuthBytes(NO_BYTES));
            }
            if (body.version() > 0) {
                exchange.clientSupportsReauthentication = true;
            }
            return evaluate(request, connection, listenerMechanisms, exchange, body.data().authBytes());
        }
    }

    private SaslAuthenticateResponse evaluate(KafkaRequest request, Connection connection, SaslMechanisms listenerMechanisms,
                                              SaslExchange exchange, byte[] token) {
        try {
            byte[] challenge = exchange.server.evaluateResponse(token);
            SaslAuthenticateResponseData data = new SaslAuthenticateResponseData().setErrorCode(Errors.NONE.code())
                    .setAuthBytes(challenge == null ? NO_BYTES : challenge);
            if (!exchange.server.isComplete()) {
                return new SaslAuthenticateResponse(data);
            }
            SaslMechanisms.Authenticated done = listenerMechanisms.authenticated(exchange.server, connection.protocol(),
                    request.context().clientAddress, connection.sslSession());
            KafkaPrincipal previous = exchange.principal;
            if (exchange.reauthenticating && !done.principal().equals(previous)) {
                return fail(request, connection, exchange, String.format("Cannot change principals during re-authentication from %s.%s: %s.%s",
                        previous.getPrincipalType(), previous.getName(), done.principal().getPrincipalType(), done.principal().getName()));
            }
            connection.authenticated(done.principal(), done.sessionExpiryNanos());
            log.debug("{} of {} as {} with {} complete; session lifetime {} ms", exchange.authenticationText(), connection.remote(),
                    done.principal(), exchange.mechanism, done.sessionLifetimeMs());
            exchange.principal = done.principal();
            exchange.authenticatedMechanism = exchange.mechanism;
            exchange.disposeServer();
            return new SaslAuthenticateResponse(data.setSessionLifetimeMs(done.sessionLifetimeMs()));
        } catch (AuthenticationException e) {
            // the mechanism's own message, meant for the client (SaslAuthenticationException and kin)
            return fail(request, connection, exchange, e.getMessage());
        } catch (SaslException | RuntimeException e) {
            // never echo these: they may tell whether the user exists; malformed tokens end here too
            log.debug("SASL {} of {} with {} failed", exchange.authenticationText(), connection.remote(), exchange.mechanism, e);
            return fail(request, connection, exchange, "Authentication failed during " + exchange.authenticationText()
                    + " due to invalid credentials with SASL mechanism " + exchange.mechanism);
        }
    }

    private static SaslAuthenticateResponse fail(KafkaRequest request, Connection connection, SaslExchange exchange, String message) {
        log.info("Failed {}authentication with {} ({})", exchange.reauthenticating ? "re-" : "",
                connection.remote() != null ? connection.remote() : request.context().clientAddress, message);
        exchange.disposeServer();
        exchange.pendingFailure = message;
        connection.closeAfterResponse();
        return new SaslAuthenticateResponse(new SaslAuthenticateResponseData().setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                .setErrorMessage(message).setAuthBytes(NO_BYTES));
    }

    private static SaslAuthenticateResponse afterAuthentication() {
        return new SaslAuthenticateResponse(new SaslAuthenticateResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                .setErrorMessage("SaslAuthenticate request received after successful authentication").setAuthBytes(NO_BYTES));
    }
}
