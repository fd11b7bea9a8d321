package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClassNamesTest {
    private static final String SHADED = "io.kafkalite.shaded.org.apache.kafka.";

    @Test
    void kafkasClassNamesMoveToTheRelocatedPackage() {
        // given
        Map<String, String> props = Map.of(
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_a=\"a-secret\";",
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "metric.reporters", "com.example.Reporter,org.apache.kafka.common.metrics.JmxReporter",
                "principal.builder.class", "com.example.org.apache.kafka.Builder",
                "log.dirs", "/data");

        // when
        Map<String, String> relocated = KafkaClassNames.relocate(props, SHADED);

        // then: names that start with Kafka's package move, the same text inside another name stays
        assertEquals(Map.of(
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                SHADED + "common.security.plain.PlainLoginModule required user_a=\"a-secret\";",
                "authorizer.class.name", SHADED + "metadata.authorizer.StandardAuthorizer",
                "metric.reporters", "com.example.Reporter," + SHADED + "common.metrics.JmxReporter",
                "principal.builder.class", "com.example.org.apache.kafka.Builder",
                "log.dirs", "/data"), relocated);
    }

    @Test
    void withoutRelocationTheSettingsStayAsTheyAre() {
        Map<String, String> props = Map.of("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        assertSame(props, KafkaClassNames.relocate(props));
    }
}
