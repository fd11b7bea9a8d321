package io.kafkalite.acl;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.network.ListenerName;

/**
 * The broker properties one listener sees, resolved as Kafka resolves them: every
 * {@code listener.name.<name>.<key>} (name in lower case) overrides {@code <key>}, so
 * {@code listener.name.<name>.<mechanism>.sasl.jaas.config} becomes {@code <mechanism>.sasl.jaas.config},
 * the key kafka-clients' {@code JaasContext.loadServerContext} reads. The prefixed keys stay in the map too.
 */
public final class ListenerProps {
    private ListenerProps() { }

    public static Map<String, Object> of(Map<String, String> props, ListenerName listener) {
        String prefix = listener.configPrefix();
        Map<String, Object> resolved = new HashMap<>(props);
        props.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                resolved.put(key.substring(prefix.length()), value);
            }
        });
        return resolved;
    }
}
