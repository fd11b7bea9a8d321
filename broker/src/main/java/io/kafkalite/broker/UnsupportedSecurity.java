package io.kafkalite.broker;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigException;

/**
 * Never fail open: security settings this broker cannot honour stop start-up with a clear message
 * instead of being logged and ignored. TLS, SASL (but GSSAPI) and authorization are honoured by the
 * listeners and the authorizer, which refuse their own invalid settings; delegation tokens are not served.
 */
final class UnsupportedSecurity {
    private static final List<String> NAMES = List.of("delegation.token.secret.key", "delegation.token.master.key");

    private UnsupportedSecurity() { }

    /** @throws ConfigException naming every such setting found */
    static void refuse(Map<String, String> props) {
        TreeSet<String> found = new TreeSet<>();
        props.forEach((key, value) -> {
            if (NAMES.contains(key) && !value.isBlank()) {
                found.add(key);
            }
        });
        if (!found.isEmpty()) {
            throw new ConfigException("This broker does not support delegation tokens, so it refuses to start rather than ignore "
                    + found + ". Remove these settings to run without delegation tokens.");
        }
    }
}
