package io.kafkalite.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.broker.Broker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TLS listener: kafkalite-embedded bundles no OpenSSL (netty-tcnative), so the broker uses the JDK's TLS engine. */
class TlsTest {
    private static final String PASSWORD = "changeit";

    @Test
    void clientVerifiesTheBrokersCertificateAndRoundTrips(@TempDir Path dir) throws Exception {
        // given: a self-signed certificate for localhost, the client trusting it
        Path keystore = dir.resolve("broker.p12");
        Path certificate = dir.resolve("broker.pem");
        keytool("-genkeypair", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1");
        keytool("-exportcert", "-rfc", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-alias", "broker",
                "-file", certificate.toString());
        Map<String, String> client = Map.of("security.protocol", "SSL", "ssl.truststore.type", "PEM",
                "ssl.truststore.location", certificate.toString());

        try (Broker broker = Broker.builder().inMemory().topic("secrets", 1)
                .config("listeners", "SSL://localhost:0")
                .config("ssl.keystore.type", "PKCS12")
                .config("ssl.keystore.location", keystore.toString())
                .config("ssl.keystore.password", PASSWORD)
                .start();
             KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), client);
             KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), "tls", client)) {
            // when
            producer.send(new ProducerRecord<>("secrets", "k", "over TLS")).get();
            consumer.subscribe(List.of("secrets"));

            // then
            assertEquals("over TLS", Clients.poll(consumer, 1).get(0).value());
        }
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
