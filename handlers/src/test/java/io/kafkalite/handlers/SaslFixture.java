package io.kafkalite.handlers;

import io.kafkalite.acl.SaslMechanisms;
import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.Connection;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import javax.security.sasl.SaslClient;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;

/** A SASL_PLAINTEXT listener with every mechanism, its handlers, and a client's view of them. */
final class SaslFixture {
    static final ListenerName LISTENER = ListenerName.normalised("SASL_PLAINTEXT");

    final ScramCredentialStore scram = new ScramCredentialStore(LogStore.inMemory(Map.of()).durableMap("scram_credentials"));
    final SaslMechanisms mechanisms;
    final SaslHandshakeHandler handshake;
    final SaslAuthenticateHandler authenticate;

    SaslFixture(Map<String, String> extraProps) {
        Map<String, String> props = new HashMap<>();
        props.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER");
        props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\""
                + " user_bob=\"bob-secret\";");
        props.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"admin\";");
        props.putAll(extraProps);
        mechanisms = SaslMechanisms.create(props, LISTENER, new DefaultKafkaPrincipalBuilder(null, null), scram);
        handshake = new SaslHandshakeHandler(Map.of(LISTENER, mechanisms));
        authenticate = new SaslAuthenticateHandler(Map.of(LISTENER, mechanisms));
    }

    static Connection newConnection() {
        return new Connection(LISTENER, SecurityProtocol.SASL_PLAINTEXT, new InetSocketAddress("127.0.0.1", 50123));
    }

    SaslHandshakeResponse handshake(Connection connection, String mechanism) throws Exception {
        return handshake(connection, mechanism, (short) 1);
    }

    SaslHandshakeResponse handshake(Connection connection, String mechanism, short version) throws Exception {
        SaslHandshakeRequest request = HandlerCalls.request(ApiKeys.SASL_HANDSHAKE, new SaslHandshakeRequestData().setMechanism(mechanism), version);
        return HandlerCalls.answer(handshake, request, connection);
    }

    SaslAuthenticateResponse authenticate(Connection connection, byte[] token) throws Exception {
        return authenticate(connection, token, (short) 2);
    }

    SaslAuthenticateResponse authenticate(Connection connection, byte[] token, short version) throws Exception {
        SaslAuthenticateRequest request = HandlerCalls.request(ApiKeys.SASL_AUTHENTICATE, new SaslAuthenticateRequestData().setAuthBytes(token),
                version);
        return HandlerCalls.answer(authenticate, request, connection);
    }

    /** Handshake with the client's mechanism, then its tokens as SaslAuthenticate requests until the exchange ends. */
    SaslAuthenticateResponse login(Connection connection, SaslClient client) throws Exception {
        return login(connection, client, (short) 2);
    }

    SaslAuthenticateResponse login(Connection connection, SaslClient client, short version) throws Exception {
        SaslHandshakeResponse shake = handshake(connection, client.getMechanismName());
        if (shake.error() != Errors.NONE) {
            throw new AssertionError("handshake failed: " + shake.error());
        }
        byte[] token = client.hasInitialResponse() ? client.evaluateChallenge(new byte[0]) : new byte[0];
        while (true) {
            SaslAuthenticateResponse response = authenticate(connection, token, version);
            byte[] challenge = response.data().authBytes();
            if (response.error() != Errors.NONE || ((SaslExchange) connection.saslExchange()).server == null) {
                if (response.error() == Errors.NONE && !client.isComplete() && challenge.length > 0) {
                    client.evaluateChallenge(challenge); // SCRAM: the client checks the server's signature
                }
                return response;
            }
            token = client.evaluateChallenge(challenge);
        }
    }

    /** Whether the wire will close the connection after this response (package-private in wire, hence reflection). */
    static boolean closes(Connection connection) throws Exception {
        Method m = Connection.class.getDeclaredMethod("closesAfterResponse");
        m.setAccessible(true);
        return (boolean) m.invoke(connection);
    }
}
