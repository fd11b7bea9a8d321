package io.kafkalite.broker;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigException;

/**
 * Never fail open: security settings this broker cannot honour yet (TLS, SASL, an authorizer) stop
 * start-up with a clear message, instead of being logged and ignored while clients are served in
 * plaintext and without access control.
 */
final class UnsupportedSecurity {
    /** Exact names; besides these, every {@code ssl.*} and {@code sasl.*} key and their per-listener forms. */
    private static final List<String> NAMES = List.of("principal.builder.class",
            "security.inter.broker.protocol", "delegation.token.secret.key", "delegation.token.master.key");

    private UnsupportedSecurity() { }

    /** @throws ConfigException naming every such setting found */
    static void refuse(Map<String, String> props) {
        TreeSet<String> found = new TreeSet<>();
        props.forEach((key, value) -> {
            if (isSecurity(key) && !(key.equals("security.inter.broker.protocol") && "PLAINTEXT".equalsIgnoreCase(value.trim()))) {
                found.add(key);
            }
        });
        if (!found.isEmpty()) {
            throw new ConfigException("This broker does not support TLS, SASL or authorization yet, so it refuses to start rather than"
                    + " serve clients without them. Remove these settings to run without security: " + found);
        }
    }

    private static boolean isSecurity(String key) {
        String k = key.startsWith("listener.name.") ? key.substring(key.indexOf('.', "listener.name.".length()) + 1) : key;
        return k.startsWith("sasl.") || k.contains(".sasl.jaas.config") || NAMES.contains(k);
    }
}
