package io.kafkalite.acl;

import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.auth.SaslExtensionsCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;
import org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerSaslClient;
import org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler;
import org.apache.kafka.common.security.scram.ScramExtensionsCallback;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;

/** The client side of each mechanism, as kafka-clients runs it (handlers' tests use it too, through the test-jar). */
public final class SaslClients {
    private SaslClients() { }

    /** The JDK's PLAIN client, which Kafka's clients use. */
    public static SaslClient plain(String user, String password) throws SaslException {
        return Sasl.createSaslClient(new String[] {"PLAIN"}, null, "kafka", "localhost", Map.of(), credentials(user, password));
    }

    public static SaslClient scram(ScramMechanism mechanism, String user, String password) throws NoSuchAlgorithmException {
        return new ScramSaslClient(mechanism, credentials(user, password));
    }

    public static SaslClient oauthBearer(OAuthBearerToken token) {
        return new OAuthBearerSaslClient(handler(callback -> {
            if (callback instanceof OAuthBearerTokenCallback t) {
                t.token(token);
                return true;
            }
            return false;
        }));
    }

    /** An unsecured JWS ("alg":"none") token, made as Kafka's OAuthBearerUnsecuredLoginCallbackHandler makes it. */
    public static OAuthBearerToken unsecuredToken(String subject, long lifetimeSeconds) throws Exception {
        OAuthBearerUnsecuredLoginCallbackHandler login = new OAuthBearerUnsecuredLoginCallbackHandler();
        login.configure(Map.of(), OAuthBearerLoginModule.OAUTHBEARER_MECHANISM, List.of(new AppConfigurationEntry(
                OAuthBearerLoginModule.class.getName(), AppConfigurationEntry.LoginModuleControlFlag.REQUIRED,
                Map.of("unsecuredLoginStringClaim_sub", subject, "unsecuredLoginLifetimeSeconds", Long.toString(lifetimeSeconds)))));
        OAuthBearerTokenCallback callback = new OAuthBearerTokenCallback();
        login.handle(new Callback[] {callback});
        return callback.token();
    }

    /** Runs the whole exchange in memory; returns the server's last challenge. */
    static byte[] exchange(SaslClient client, SaslServerLike server) throws Exception {
        byte[] token = client.hasInitialResponse() ? client.evaluateChallenge(new byte[0]) : new byte[0];
        while (true) {
            byte[] challenge = server.evaluate(token);
            if (server.isComplete()) {
                return challenge;
            }
            token = client.evaluateChallenge(challenge);
        }
    }

    /** The part of a SaslServer the exchange needs. */
    interface SaslServerLike {
        byte[] evaluate(byte[] token) throws Exception;

        boolean isComplete();

        static SaslServerLike of(javax.security.sasl.SaslServer server) {
            return new SaslServerLike() {
                @Override
                public byte[] evaluate(byte[] token) throws Exception {
                    return server.evaluateResponse(token);
                }

                @Override
                public boolean isComplete() {
                    return server.isComplete();
                }
            };
        }
    }

    private interface Answer {
        boolean answer(Callback callback);
    }

    private static AuthenticateCallbackHandler credentials(String user, String password) {
        return handler(callback -> {
            if (callback instanceof NameCallback n) {
                n.setName(user);
            } else if (callback instanceof PasswordCallback p) {
                p.setPassword(password.toCharArray());
            } else {
                return callback instanceof ScramExtensionsCallback;
            }
            return true;
        });
    }

    private static AuthenticateCallbackHandler handler(Answer answer) {
        return new AuthenticateCallbackHandler() {
            @Override
            public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> entries) { }

            @Override
            public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
                for (Callback c : callbacks) {
                    if (!answer.answer(c) && !(c instanceof SaslExtensionsCallback)) {
                        throw new UnsupportedCallbackException(c);
                    }
                }
            }

            @Override
            public void close() { }
        };
    }
}
