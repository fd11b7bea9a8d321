package io.kafkalite.acl;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslClientAuth;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Netty server {@link SslContext} of an SSL or SASL_SSL listener from Kafka's settings, resolved
 * for the listener ({@code listener.name.<name>.ssl.*} overrides {@code ssl.*}), with Kafka's defaults:
 * <ul>
 *   <li>key and trust stores: see {@link TlsStores} ({@code ssl.keystore.*}, {@code ssl.key.password},
 *       {@code ssl.truststore.*}, {@code ssl.keymanager.algorithm}, {@code ssl.trustmanager.algorithm});</li>
 *   <li>{@code ssl.client.auth} required / requested / none. On a SASL_SSL listener it applies only when set
 *       with the listener prefix, as in Kafka (the unprefixed value is for SSL listeners);</li>
 *   <li>{@code ssl.enabled.protocols} (TLSv1.2,TLSv1.3), {@code ssl.cipher.suites} (empty: the provider's
 *       defaults; Netty's secure list rather than every suite the JDK enables);</li>
 *   <li>{@code ssl.protocol}, {@code ssl.provider}, {@code ssl.secure.random.implementation} are checked;
 *       a named {@code ssl.provider} forces the JDK engine;</li>
 *   <li>{@code ssl.endpoint.identification.algorithm} is a client setting: the broker's own inter-broker
 *       connections use it ({@link TlsClientSockets}).</li>
 * </ul>
 * The engine is OpenSSL when netty-tcnative is on the classpath, else the JDK's; both take the same key and
 * trust manager factories. Anything wrong stops start-up with a {@link ConfigException} naming the listener
 * and the setting. The returned context is shared by all connections of the listener
 * ({@code context.newHandler(channel.alloc())} per connection).
 */
public final class TlsContexts {
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);
    private static final String PROTOCOLS_AND_CIPHERS =
            SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG + " / " + SslConfigs.SSL_CIPHER_SUITES_CONFIG;

    private TlsContexts() { }

    /** OpenSSL (netty-tcnative) if it is on the classpath and can use a KeyManagerFactory, else the JDK's. */
    public static SslProvider defaultProvider() {
        return OpenSsl.isAvailable() && OpenSsl.supportsKeyManagerFactory() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The listener's server context with the {@link #defaultProvider() default engine}. */
    public static SslContext forListener(Map<String, String> props, ListenerName listener, SecurityProtocol protocol) {
        return forListener(props, listener, protocol, defaultProvider());
    }

    /**
     * @param props    the broker's properties as configured (not yet resolved for the listener: whether
     *                 {@code ssl.client.auth} is listener-prefixed matters on SASL_SSL)
     * @param protocol the listener's security protocol, SSL or SASL_SSL
     * @param provider the TLS engine to use (JDK or OPENSSL), e.g. to compare them in a benchmark
     * @throws ConfigException naming the listener and the setting when the settings cannot be honoured
     */
    public static SslContext forListener(Map<String, String> props, ListenerName listener, SecurityProtocol protocol,
                                         SslProvider provider) {
        if (protocol != SecurityProtocol.SSL && protocol != SecurityProtocol.SASL_SSL) {
            throw new IllegalArgumentException("Listener " + listener.value() + " uses " + protocol + ", not TLS");
        }
        if (provider != SslProvider.JDK && !OpenSsl.isAvailable()) {
            throw new IllegalArgumentException(provider + " needs netty-tcnative, which is not available: "
                    + OpenSsl.unavailabilityCause());
        }
        String name = listener.value();
        Map<String, Object> configs = ListenerSecurityConfigs.parse(props, listener);
        checkEngineFactory(name, configs);
        Provider jcaProvider = jcaProvider(name, configs);
        ClientAuth clientAuth = clientAuth(props, listener, protocol, configs);
        SslProvider engine = jcaProvider != null ? SslProvider.JDK : provider;
        SslContextBuilder builder = SslContextBuilder.forServer(TlsStores.keyManagers(name, configs))
                .trustManager(TlsStores.trustManagers(name, configs))
                .sslProvider(engine)
                .clientAuth(clientAuth);
        if (jcaProvider != null) {
            builder.sslContextProvider(jcaProvider);
        }
        SecureRandom random = secureRandom(name, configs);
        if (random != null) {
            builder.secureRandom(random);
        }
        List<String> protocols = strings(configs, SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG);
        if (!protocols.isEmpty()) {
            builder.protocols(protocols);
        }
        List<String> ciphers = strings(configs, SslConfigs.SSL_CIPHER_SUITES_CONFIG);
        if (!ciphers.isEmpty()) {
            builder.ciphers(ciphers);
        }
        SslContext context;
        try {
            context = builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            // the stores are loaded and checked by now: what is left is the OpenSSL engine refusing a name
            throw TlsStores.fail(name, PROTOCOLS_AND_CIPHERS, "cannot be used", e);
        }
        SSLEngine probe = checkProtocolsAndCiphers(name, context);
        log.info("Listener {}: TLS with the {} engine, client auth {}, protocols {}, {} cipher suites", name, engine,
                clientAuth, Arrays.toString(probe.getEnabledProtocols()), probe.getEnabledCipherSuites().length);
        ReferenceCountUtil.release(probe);
        return context;
    }

    /**
     * Kafka's rule for the listener's client authentication: {@code ssl.client.auth}, except on SASL_SSL where only
     * the listener-prefixed setting counts (KIP-684).
     */
    static ClientAuth clientAuth(Map<String, String> props, ListenerName listener, SecurityProtocol protocol,
                                 Map<String, Object> configs) {
        String configured = (String) configs.get(BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG);
        SslClientAuth auth = SslClientAuth.forConfig(configured);
        if (protocol == SecurityProtocol.SASL_SSL
                && !props.containsKey(listener.configPrefix() + BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG)) {
            if (auth != SslClientAuth.NONE) {
                log.warn("Listener {}: {}={} applies to SSL listeners only; set {}{} to ask SASL_SSL clients for"
                        + " certificates", listener.value(), BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG, configured,
                        listener.configPrefix(), BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG);
            }
            auth = SslClientAuth.NONE;
        }
        if (auth == null) {
            return ClientAuth.NONE; // not reached: the config definition only lets the three values through
        }
        switch (auth) {
            case REQUIRED:
                return ClientAuth.REQUIRE;
            case REQUESTED:
                return ClientAuth.OPTIONAL;
            default:
                return ClientAuth.NONE;
        }
    }

    /** Kafka's pluggable {@code ssl.engine.factory.class} hands out JDK engines we cannot build a Netty context from. */
    static void checkEngineFactory(String listener, Map<String, Object> configs) {
        Object factory = configs.get(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG);
        if (factory != null && factory != DefaultSslEngineFactory.class) {
            throw TlsStores.fail(listener, SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG + "=" + ((Class<?>) factory).getName(),
                    "is not supported (only the default factory's settings are)", null);
        }
    }

    /** Checks {@code ssl.protocol} (and {@code ssl.provider}) as Kafka would when creating its SSLContext. */
    static Provider jcaProvider(String listener, Map<String, Object> configs) {
        String protocol = (String) configs.get(SslConfigs.SSL_PROTOCOL_CONFIG);
        String providerName = (String) configs.get(SslConfigs.SSL_PROVIDER_CONFIG);
        Provider provider = providerName == null ? null : Security.getProvider(providerName);
        if (providerName != null && provider == null) {
            throw TlsStores.fail(listener, SslConfigs.SSL_PROVIDER_CONFIG + "=" + providerName,
                    "names no installed security provider", null);
        }
        try {
            if (provider != null) {
                SSLContext.getInstance(protocol, provider);
            } else {
                SSLContext.getInstance(protocol);
            }
        } catch (GeneralSecurityException e) {
            throw TlsStores.fail(listener, SslConfigs.SSL_PROTOCOL_CONFIG + "=" + protocol, "is not available", e);
        }
        return provider;
    }

    static SecureRandom secureRandom(String listener, Map<String, Object> configs) {
        String algorithm = (String) configs.get(SslConfigs.SSL_SECURE_RANDOM_IMPLEMENTATION_CONFIG);
        try {
            return algorithm == null ? null : SecureRandom.getInstance(algorithm);
        } catch (GeneralSecurityException e) {
            throw TlsStores.fail(listener, SslConfigs.SSL_SECURE_RANDOM_IMPLEMENTATION_CONFIG + "=" + algorithm,
                    "is not available", e);
        }
    }

    /** Engines apply protocols and suites when created: create one now so a bad name stops start-up. */
    private static SSLEngine checkProtocolsAndCiphers(String listener, SslContext context) {
        SSLEngine engine;
        try {
            engine = context.newEngine(ByteBufAllocator.DEFAULT);
        } catch (IllegalArgumentException e) {
            throw TlsStores.fail(listener, PROTOCOLS_AND_CIPHERS, "cannot be used", e);
        }
        if (engine.getEnabledProtocols().length == 0 || engine.getEnabledCipherSuites().length == 0) {
            ReferenceCountUtil.release(engine);
            throw TlsStores.fail(listener, PROTOCOLS_AND_CIPHERS, "leave no protocol or cipher suite to use", null);
        }
        return engine;
    }

    @SuppressWarnings("unchecked")
    static List<String> strings(Map<String, Object> configs, String key) {
        Object value = configs.get(key);
        return value == null ? List.of() : (List<String>) value;
    }
}
