package io.kafkalite.broker;

import java.util.Map;

/** The one PLAIN user of an embedded broker built with security on, and the settings on both sides. */
record SaslUser(String name, String password) {
    /** The broker's side names its own (in the embedded jar: relocated) classes. */
    private static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule";

    SaslUser {
        if (name.isEmpty() || name.contains("\"") || password.contains("\"")) {
            throw new IllegalArgumentException("SASL user names and passwords must be non-empty and without '\"'");
        }
    }

    Map<String, String> brokerConfig() {
        return Map.of("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + name + "=\"" + password + "\";",
                "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", SCRAM_LOGIN + " required;",
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", SCRAM_LOGIN + " required;");
    }

    Map<String, String> clientConfig() {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", loginModule() + " required username=\"" + name + "\" password=\"" + password + "\";");
    }

    /**
     * Kafka's PLAIN login module for the user's client, named at run time: the embedded jar relocates
     * kafka-clients and would rewrite a constant naming it, but the user's client loads the original class.
     */
    private static String loginModule() {
        return String.join(".", "org", "apache", "kafka", "common", "security", "plain", "PlainLoginModule");
    }
}
