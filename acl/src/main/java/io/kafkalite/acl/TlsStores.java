package io.kafkalite.acl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

/**
 * Loads a listener's key store and trust store exactly as Kafka does, by letting kafka-clients'
 * {@link DefaultSslEngineFactory} read them (JKS, PKCS12, PEM files, inline PEM
 * {@code ssl.keystore.key}/{@code ssl.keystore.certificate.chain}/{@code ssl.truststore.certificates}, with
 * Kafka's checks of which combinations are allowed), and turns them into the key and trust manager factories
 * both of Netty's TLS providers accept. Each store is loaded by its own factory so that a failure can name
 * the settings at fault. Every failure is a {@link ConfigException} naming the listener and the setting.
 */
final class TlsStores {
    private static final List<String> KEYSTORE_SETTINGS = List.of(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG,
            SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, SslConfigs.SSL_KEY_PASSWORD_CONFIG,
            SslConfigs.SSL_KEYSTORE_KEY_CONFIG, SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG);
    private static final List<String> TRUSTSTORE_SETTINGS = List.of(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG,
            SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG);

    private TlsStores() { }

    /** The broker's own key and certificate chain; a TLS listener cannot run without them. */
    static KeyManagerFactory keyManagers(String listener, Map<String, Object> configs) {
        String location = (String) configs.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG);
        if (location == null && configs.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG) == null) {
            throw fail(listener, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, "is required: a TLS listener needs the"
                    + " broker's key store (or, with ssl.keystore.type=PEM, ssl.keystore.key and"
                    + " ssl.keystore.certificate.chain)", null);
        }
        checkReadable(listener, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, location);
        KeyStore keyStore = load(listener, configs, TRUSTSTORE_SETTINGS, true);
        if (!hasPrivateKey(keyStore)) {
            throw fail(listener, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG + "=" + location,
                    "holds no private key (a trust store?)", null);
        }
        String algorithm = (String) configs.get(SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG);
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(algorithm);
            kmf.init(keyStore, keyPassword(configs));
            return kmf;
        } catch (GeneralSecurityException e) {
            throw fail(listener, SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG + "=" + algorithm + " / "
                    + SslConfigs.SSL_KEY_PASSWORD_CONFIG, "cannot be used", e);
        }
    }

    /**
     * The certificates client certificates are checked against; without a trust store, the JVM's default
     * ({@code cacerts}), as in Kafka.
     */
    static TrustManagerFactory trustManagers(String listener, Map<String, Object> configs) {
        String location = (String) configs.get(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG);
        checkReadable(listener, SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, location);
        KeyStore trustStore = load(listener, configs, KEYSTORE_SETTINGS, false);
        String algorithm = (String) configs.get(SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG);
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(algorithm);
            tmf.init(trustStore);
            return tmf;
        } catch (GeneralSecurityException e) {
            throw fail(listener, SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG + "=" + algorithm, "cannot be used", e);
        }
    }

    private static boolean hasPrivateKey(KeyStore store) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    return true;
                }
            }
            return false;
        } catch (KeyStoreException e) {
            throw new IllegalStateException("A loaded key store cannot be read", e);
        }
    }

    /** Kafka's rule: {@code ssl.key.password}, else the key store's password (PEM stores have none). */
    private static char[] keyPassword(Map<String, Object> configs) {
        Password key = (Password) configs.get(SslConfigs.SSL_KEY_PASSWORD_CONFIG);
        Password store = (Password) configs.get(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG);
        Password password = key != null ? key : store;
        return password == null ? null : password.value().toCharArray();
    }

    /** Loads one store with Kafka's factory, with the other store's settings left out. */
    private static KeyStore load(String listener, Map<String, Object> configs, List<String> without, boolean keyStore) {
        Map<String, Object> only = new HashMap<>(configs);
        without.forEach(only::remove);
        DefaultSslEngineFactory factory = new DefaultSslEngineFactory();
        try {
            factory.configure(only);
            return keyStore ? factory.keystore() : factory.truststore();
        } catch (KafkaException e) {
            List<String> settings = keyStore ? KEYSTORE_SETTINGS : TRUSTSTORE_SETTINGS;
            String type = keyStore ? SslConfigs.SSL_KEYSTORE_TYPE_CONFIG : SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG;
            String set = Stream.concat(Stream.of(type), settings.stream())
                    .filter(s -> configs.get(s) != null)
                    .collect(Collectors.joining(", "));
            throw fail(listener, keyStore ? "key store" : "trust store", "could not be loaded (check " + set + ")", e);
        } finally {
            factory.close();
        }
    }

    private static void checkReadable(String listener, String setting, String location) {
        if (location != null && !Files.isReadable(Path.of(location))) {
            throw fail(listener, setting, "names " + location + ", which does not exist or cannot be read", null);
        }
    }

    static ConfigException fail(String listener, String setting, String problem, Throwable cause) {
        String detail = cause == null ? "" : ": " + messages(cause);
        ConfigException e = new ConfigException("Listener " + listener + ": " + setting + " " + problem + detail);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /**
     * The messages down a cause chain, each once (wrappers often repeat their cause's): Kafka's say which
     * file, the JDK's what is wrong with it.
     */
    private static String messages(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String message = c.getMessage() != null ? c.getMessage() : c.getClass().getName();
            if (all.indexOf(message) < 0) {
                all.append(all.length() == 0 ? "" : ": ").append(message);
            }
        }
        return all.toString();
    }
}
