package io.kafkalite.acl;

import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslClient;

/**
 * How the broker logs in to other brokers' inter-broker SASL listener, as a Kafka broker does: with
 * {@code sasl.mechanism.inter.broker.protocol}, which that listener must enable, and the {@code username} and
 * {@code password} options of the listener's JAAS entry for that mechanism (the entry its server side reads too:
 * {@code listener.name.<l>.<mechanism>.sasl.jaas.config}, else the static JAAS file). PLAIN uses the JDK's client,
 * SCRAM kafka-clients'. GSSAPI (Kafka's default mechanism) and OAUTHBEARER are refused at start-up.
 */
public final class SaslClientLogin {
    public static final List<String> SUPPORTED = List.of(PlainSaslServer.PLAIN_MECHANISM, ScramMechanism.SCRAM_SHA_256.mechanismName(),
            ScramMechanism.SCRAM_SHA_512.mechanismName());
    private static final String MECHANISM_CONFIG = BrokerSecurityConfigs.SASL_MECHANISM_INTER_BROKER_PROTOCOL_CONFIG;

    private final String mechanism;
    private final String username;
    private final String password;

    private SaslClientLogin(String mechanism, String username, String password) {
        this.mechanism = mechanism;
        this.username = username;
        this.password = password;
    }

    /**
     * @param props     the broker's properties as configured
     * @param mechanism {@code sasl.mechanism.inter.broker.protocol}
     * @throws ConfigException when the broker cannot log in with these settings
     */
    public static SaslClientLogin forListener(Map<String, String> props, ListenerName listener, String mechanism) {
        String where = "The inter-broker listener " + listener.value() + " uses SASL with " + MECHANISM_CONFIG + "=" + mechanism;
        if (!SUPPORTED.contains(mechanism)) {
            throw new ConfigException(where + (mechanism.equals(SaslConfigs.GSSAPI_MECHANISM) ? " (Kerberos, Kafka's default)" : "")
                    + ", which this broker cannot log in with: set " + MECHANISM_CONFIG + " to one of " + SUPPORTED);
        }
        @SuppressWarnings("unchecked")
        List<String> enabled = (List<String>) ListenerSecurityConfigs.parse(props, listener).get(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG);
        if (!enabled.contains(mechanism)) { // Kafka's rule too
            throw new ConfigException(where + ", which the listener does not enable: add it to " + listener.configPrefix()
                    + BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG + " (or " + BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG
                    + "), which is " + enabled);
        }
        for (AppConfigurationEntry entry : SaslMechanisms.jaasContext(props, listener, mechanism).configurationEntries()) {
            Object user = entry.getOptions().get("username");
            Object secret = entry.getOptions().get("password");
            if (user != null && secret != null) {
                return new SaslClientLogin(mechanism, user.toString(), secret.toString());
            }
        }
        throw new ConfigException(where + ", but its JAAS entry (" + listener.saslMechanismConfigPrefix(mechanism)
                + SaslConfigs.SASL_JAAS_CONFIG + ") has no username and password options for the broker's own login");
    }

    public String mechanism() {
        return mechanism;
    }

    public String username() {
        return username;
    }

    /** A client for one exchange with the broker at {@code host}. */
    public SaslClient newClient(String host) throws SaslException {
        CallbackHandler credentials = callbacks -> {
            for (Callback c : callbacks) {
                if (c instanceof NameCallback name) {
                    name.setName(username);
                } else if (c instanceof PasswordCallback pass) {
                    pass.setPassword(password.toCharArray());
                } else {
                    throw new UnsupportedCallbackException(c); // SCRAM extensions: none
                }
            }
        };
        if (mechanism.equals(PlainSaslServer.PLAIN_MECHANISM)) {
            SaslClient plain = Sasl.createSaslClient(new String[] {mechanism}, null, "kafka", host, Map.of(), credentials);
            if (plain == null) {
                throw new SaslException("The Java runtime has no SASL PLAIN client (module java.security.sasl)");
            }
            return plain;
        }
        try {
            return new ScramSaslClient(ScramMechanism.forMechanismName(mechanism), credentials);
        } catch (NoSuchAlgorithmException e) {
            throw new SaslException(mechanism + "'s hash is not available", e);
        }
    }
}
