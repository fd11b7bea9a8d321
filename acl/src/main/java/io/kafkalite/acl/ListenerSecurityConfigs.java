package io.kafkalite.acl;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ListenerName;

/**
 * The security settings of one listener, typed as Kafka types them: the listener's properties
 * ({@link ListenerProps}) parsed by kafka-clients' {@code BrokerSecurityConfigs.CONFIG_DEF}, so passwords
 * are {@code Password}s, lists are {@code List<String>}, classes are loaded, and every default is Kafka's
 * ({@code ssl.keystore.type=JKS}, {@code ssl.enabled.protocols=TLSv1.2,TLSv1.3}, {@code ssl.client.auth=none},
 * {@code ssl.principal.mapping.rules=DEFAULT}, ...). This is the map kafka-clients' own security classes
 * ({@code DefaultSslEngineFactory}, principal builders, JAAS loading) expect in {@code configure}.
 */
public final class ListenerSecurityConfigs {
    private ListenerSecurityConfigs() { }

    /** @throws ConfigException naming the listener when a value is invalid (e.g. {@code ssl.client.auth=maybe}) */
    public static Map<String, Object> parse(Map<String, String> props, ListenerName listener) {
        Map<String, Object> resolved = ListenerProps.of(props, listener);
        try {
            Map<String, Object> parsed = new HashMap<>(BrokerSecurityConfigs.CONFIG_DEF.parse(resolved));
            // Keep the raw keys too (listener.name.<l>.<mechanism>.sasl.jaas.config, custom builder settings):
            // Kafka hands a custom principal builder all of the listener's configs.
            resolved.forEach(parsed::putIfAbsent);
            return parsed;
        } catch (ConfigException e) {
            throw new ConfigException("Listener " + listener.value() + ": " + e.getMessage());
        }
    }
}
