package io.kafkalite.acl;

import java.net.InetAddress;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.SaslAuthenticationContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.authenticator.SaslInternalConfigs;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule;
import org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerSaslServer;
import org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.plain.internals.PlainServerCallbackHandler;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;
import org.apache.kafka.common.security.scram.internals.ScramServerCallbackHandler;
import org.apache.kafka.common.security.token.delegation.internals.DelegationTokenCache;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SASL mechanisms of one SASL listener, configured as Kafka's SaslChannelBuilder configures them and
 * served by kafka-clients' own server mechanisms:
 * <ul>
 * <li>{@code sasl.enabled.mechanisms} (Kafka's default, GSSAPI, and any mechanism but PLAIN, SCRAM-SHA-256,
 *     SCRAM-SHA-512 and OAUTHBEARER are refused: there is no Kerberos here).</li>
 * <li>Each mechanism needs its JAAS context, {@code listener.name.<l>.<mechanism>.sasl.jaas.config} or the
 *     static JAAS file, as in Kafka. Its callback handler is
 *     {@code listener.name.<l>.<mechanism>.sasl.server.callback.handler.class} if set, else Kafka's default:
 *     PLAIN checks the JAAS {@code user_<name>="<password>"} options, SCRAM reads the
 *     {@link ScramCredentialStore}, OAUTHBEARER validates unsecured JWS tokens with the JAAS options.</li>
 * <li>The session lifetime (KIP-368) is {@code [<mechanism>.]connections.max.reauth.ms} (0: none), capped by
 *     the credential's own expiry (an OAUTHBEARER token's), as Kafka's SaslServerAuthenticator computes it.</li>
 * </ul>
 * Delegation tokens (SCRAM with {@code tokenauth=true}) are not supported: their cache is always empty.
 */
public final class SaslMechanisms implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SaslMechanisms.class);
    public static final List<String> SUPPORTED = List.of(PlainSaslServer.PLAIN_MECHANISM, ScramMechanism.SCRAM_SHA_256.mechanismName(),
            ScramMechanism.SCRAM_SHA_512.mechanismName(), OAuthBearerLoginModule.OAUTHBEARER_MECHANISM);

    /** What a completed exchange gives the connection. {@code sessionExpiryNanos} is 0 when the session never expires. */
    public record Authenticated(KafkaPrincipal principal, long sessionLifetimeMs, long sessionExpiryNanos) { }

    private final ListenerName listener;
    private final List<String> enabled;
    private final Map<String, Object> configs;
    private final Map<String, AuthenticateCallbackHandler> callbackHandlers = new HashMap<>();
    private final Map<String, Long> maxReauthMs = new HashMap<>();
    private final KafkaPrincipalBuilder principalBuilder;
    private final Time time;

    /**
     * @param brokerProps     the broker's properties (listener overrides are resolved here)
     * @param principalBuilder builds the principal of a completed exchange ({@code principal.builder.class})
     * @throws ConfigException if a mechanism cannot be served or its configuration is wrong
     */
    public static SaslMechanisms create(Map<String, String> brokerProps, ListenerName listener, KafkaPrincipalBuilder principalBuilder,
                                        ScramCredentialStore scramCredentials) {
        return new SaslMechanisms(brokerProps, listener, principalBuilder, scramCredentials, Time.SYSTEM);
    }

    SaslMechanisms(Map<String, String> brokerProps, ListenerName listener, KafkaPrincipalBuilder principalBuilder,
                   ScramCredentialStore scramCredentials, Time time) {
        this.listener = listener;
        this.principalBuilder = principalBuilder;
        this.time = time;
        this.configs = typedConfigs(ListenerSecurityConfigs.parse(brokerProps, listener));
        @SuppressWarnings("unchecked")
        List<String> configured = (List<String>) configs.get(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG);
        this.enabled = List.copyOf(new LinkedHashSet<>(configured));
        validate(enabled);
        try {
            DelegationTokenCache noTokens = new DelegationTokenCache(ScramMechanism.mechanismNames());
            for (String mechanism : enabled) {
                callbackHandlers.put(mechanism, callbackHandler(mechanism, scramCredentials, noTokens));
                maxReauthMs.put(mechanism, maxReauthMs(mechanism));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("Listener {} serves SASL {}", listener.value(), enabled);
    }

    public ListenerName listener() {
        return listener;
    }

    /** The enabled mechanisms, as the SaslHandshake response lists them. */
    public List<String> enabled() {
        return enabled;
    }

    public boolean isEnabled(String mechanism) {
        return callbackHandlers.containsKey(mechanism);
    }

    /** A server for one exchange of an enabled mechanism; it is used by one connection only. */
    public SaslServer newServer(String mechanism) {
        AuthenticateCallbackHandler handler = callbackHandlers.get(mechanism);
        if (handler == null) {
            throw new IllegalArgumentException("SASL mechanism " + mechanism + " is not enabled on listener " + listener.value());
        }
        if (mechanism.equals(PlainSaslServer.PLAIN_MECHANISM)) {
            return new PlainSaslServer(handler);
        }
        if (mechanism.equals(OAuthBearerLoginModule.OAUTHBEARER_MECHANISM)) {
            return new OAuthBearerSaslServer(handler);
        }
        try {
            return new ScramSaslServer(ScramMechanism.forMechanismName(mechanism), configs, handler);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(mechanism + "'s hash is part of every Java runtime", e);
        }
    }

    /**
     * The principal and session of a completed exchange: the principal from the principal builder
     * (with a {@link SaslAuthenticationContext}, as Kafka), the session lifetime as Kafka computes it.
     * @param sslSession the TLS session on SASL_SSL, else null
     */
    public Authenticated authenticated(SaslServer completed, SecurityProtocol protocol, InetAddress client, SSLSession sslSession) {
        KafkaPrincipal principal = principalBuilder.build(new SaslAuthenticationContext(completed, protocol, client, listener.value(),
                Optional.ofNullable(sslSession)));
        long nowMs = time.milliseconds();
        long nowNanos = time.nanoseconds();
        Long credentialExpiryMs = (Long) completed.getNegotiatedProperty(SaslInternalConfigs.CREDENTIAL_LIFETIME_MS_SASL_NEGOTIATED_PROPERTY_KEY);
        long maxReauth = maxReauthMs.getOrDefault(completed.getMechanismName(), 0L);
        if (credentialExpiryMs == null && maxReauth <= 0) {
            return new Authenticated(principal, 0, 0);
        }
        long lifetimeMs;
        if (credentialExpiryMs == null) {
            lifetimeMs = maxReauth;
        } else if (maxReauth <= 0) {
            lifetimeMs = Math.max(0, credentialExpiryMs - nowMs);
        } else {
            lifetimeMs = Math.max(0, Math.min(credentialExpiryMs - nowMs, maxReauth));
        }
        long expiryNanos = nowNanos + lifetimeMs * 1_000_000L;
        return new Authenticated(principal, lifetimeMs, expiryNanos == 0 ? 1 : expiryNanos);
    }

    @Override
    public void close() {
        callbackHandlers.values().forEach(h -> Utils.closeQuietly(h::close, "SASL callback handler"));
        callbackHandlers.clear();
    }

    private void validate(List<String> mechanisms) {
        if (mechanisms.isEmpty()) {
            throw new ConfigException(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG, mechanisms,
                    "No SASL mechanisms are enabled on listener " + listener.value());
        }
        for (String mechanism : mechanisms) {
            if (mechanism.equals(SaslConfigs.GSSAPI_MECHANISM)) {
                throw new ConfigException("Listener " + listener.value() + " enables SASL mechanism GSSAPI (Kerberos), which this broker"
                        + " does not support; GSSAPI is Kafka's default when " + BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG
                        + " is not set. Set " + listener.configPrefix() + BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG
                        + " (or " + BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG + ") to some of " + SUPPORTED);
            }
            if (!SUPPORTED.contains(mechanism)) {
                throw new ConfigException("Listener " + listener.value() + " enables SASL mechanism " + mechanism
                        + ", which this broker does not support; supported: " + SUPPORTED);
            }
        }
    }

    /**
     * The listener's JAAS configuration of one mechanism as a Kafka broker reads it, for the server side of its
     * listener and for the client side of its own inter-broker connections alike:
     * {@code listener.name.<l>.<mechanism>.sasl.jaas.config}, else the static JAAS file.
     * @throws ConfigException when there is none
     */
    public static JaasContext jaasContext(Map<String, String> brokerProps, ListenerName listener, String mechanism) {
        return jaasContext(listener, mechanism, typedConfigs(ListenerSecurityConfigs.parse(brokerProps, listener)));
    }

    private static JaasContext jaasContext(ListenerName listener, String mechanism, Map<String, Object> configs) {
        try {
            return JaasContext.loadServerContext(listener, mechanism, configs);
        } catch (RuntimeException e) {
            throw new ConfigException("Listener " + listener.value() + ", SASL mechanism " + mechanism + ": no usable JAAS configuration ("
                    + e.getMessage() + "); set " + listener.saslMechanismConfigPrefix(mechanism) + SaslConfigs.SASL_JAAS_CONFIG);
        }
    }

    private AuthenticateCallbackHandler callbackHandler(String mechanism, ScramCredentialStore scram, DelegationTokenCache noTokens) {
        JaasContext jaas = jaasContext(listener, mechanism, configs);
        String key = ListenerName.saslMechanismPrefix(mechanism) + BrokerSecurityConfigs.SASL_SERVER_CALLBACK_HANDLER_CLASS_CONFIG;
        Object custom = configs.get(key);
        AuthenticateCallbackHandler handler;
        if (custom != null) {
            handler = newInstance(custom, key);
        } else if (mechanism.equals(PlainSaslServer.PLAIN_MECHANISM)) {
            handler = new PlainServerCallbackHandler();
        } else if (mechanism.equals(OAuthBearerLoginModule.OAUTHBEARER_MECHANISM)) {
            handler = new OAuthBearerUnsecuredValidatorCallbackHandler();
        } else {
            handler = new ScramServerCallbackHandler(scram.cache(ScramMechanism.forMechanismName(mechanism)), noTokens);
        }
        try {
            handler.configure(configs, mechanism, jaas.configurationEntries());
        } catch (RuntimeException e) {
            Utils.closeQuietly(handler::close, "SASL callback handler");
            throw new ConfigException("Listener " + listener.value() + ", SASL mechanism " + mechanism + ": configuring "
                    + handler.getClass().getName() + " failed: " + e.getMessage());
        }
        return handler;
    }

    private static AuthenticateCallbackHandler newInstance(Object className, String key) {
        try {
            return Utils.newInstance(className.toString().trim(), AuthenticateCallbackHandler.class);
        } catch (ClassNotFoundException | RuntimeException e) {
            throw new ConfigException(key, className, "cannot create an AuthenticateCallbackHandler of this class: " + e);
        }
    }

    private long maxReauthMs(String mechanism) {
        String key = ListenerName.saslMechanismPrefix(mechanism) + BrokerSecurityConfigs.CONNECTIONS_MAX_REAUTH_MS_CONFIG;
        Object value = configs.get(key);
        if (value == null) {
            return (Long) configs.get(BrokerSecurityConfigs.CONNECTIONS_MAX_REAUTH_MS_CONFIG);
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "not a number of milliseconds");
        }
    }

    /**
     * The listener's properties with the security configs typed as Kafka's broker config types them (a list
     * of mechanisms, a Long, Passwords), which is what kafka-clients' callback handlers and JaasContext expect;
     * other keys stay strings for custom handlers to read.
     */
    /** The listener's typed settings, with each mechanism's JAAS config as the Password JaasContext expects. */
    private static Map<String, Object> typedConfigs(Map<String, Object> parsed) {
        Map<String, Object> typed = new LinkedHashMap<>(parsed);
        for (String mechanism : SUPPORTED) {
            String jaasKey = ListenerName.saslMechanismPrefix(mechanism) + SaslConfigs.SASL_JAAS_CONFIG;
            Object jaas = typed.get(jaasKey);
            if (jaas != null && !(jaas instanceof Password)) {
                typed.put(jaasKey, new Password(jaas.toString()));
            }
        }
        return typed;
    }
}
