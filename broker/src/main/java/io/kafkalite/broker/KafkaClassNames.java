package io.kafkalite.broker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;

/**
 * Kafka's own class names in settings, as users write them ({@code sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule ...},
 * {@code authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer}), pointed at the kafka-clients
 * this broker runs on. In kafkalite-embedded kafka-clients is relocated to {@code io.kafkalite.shaded.org.apache.kafka},
 * and so is every class name written in our code, but not the names in the user's settings; without this, PLAIN would
 * find no users (kafka-clients matches JAAS entries by login module class name) and Kafka's authorizer name would
 * not be recognised. Outside that jar nothing changes.
 */
final class KafkaClassNames {
    /** Built from parts: relocation rewrites every string constant that starts with this package. */
    private static final String ORIGINAL = String.join(".", "org", "apache", "kafka") + ".";
    /** A name that starts there, not inside a longer name. */
    private static final Pattern ORIGINAL_NAME = Pattern.compile("(?<![\\w.$])" + Pattern.quote(ORIGINAL));
    private static final String RUNTIME = runtimePackage();

    private KafkaClassNames() { }

    /** The settings with every {@code org.apache.kafka.} class name moved to where kafka-clients runs; the same map when it is not relocated. */
    static Map<String, String> relocate(Map<String, String> props) {
        return relocate(props, RUNTIME);
    }

    /** @param runtimePackage where {@code org.apache.kafka.} classes are, with the trailing dot */
    static Map<String, String> relocate(Map<String, String> props, String runtimePackage) {
        if (runtimePackage.equals(ORIGINAL)) {
            return props;
        }
        Map<String, String> relocated = new LinkedHashMap<>();
        props.forEach((key, value) -> relocated.put(key, value == null ? null
                : ORIGINAL_NAME.matcher(value).replaceAll(Matcher.quoteReplacement(runtimePackage))));
        return relocated;
    }

    /** {@code org.apache.kafka.}, or its relocated form, taken from a kafka-clients class as loaded. */
    private static String runtimePackage() {
        String name = ConfigException.class.getName();
        return name.substring(0, name.indexOf(ORIGINAL)) + ORIGINAL;
    }
}
