package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.acl.TestCertificates;
import io.kafkalite.compat.ClientSecurity.Failure;
import io.kafkalite.compat.ClientSecurity.RoundTrip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kafkajs ({@code src/test/js/kafkajs_security.js}) over every secured listener of a {@link SecureBroker}: the
 * connections of {@link ClientSecurity.Failure} first, each failing with the error kafkajs throws against Apache
 * Kafka 4.4 (checked there with the same settings), then the round trips of {@link ClientSecurity.RoundTrip}
 * (produce, then consume in a group), which so also show that the broker kept serving through the failures.
 * Skipped without node or {@code src/test/js/node_modules} ({@code compat-tests/install-clients.sh}), failed
 * instead when {@code CI} is set.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkajsSecurityTest {
    static final int RECORDS = 50;
    static final String CLIENT = "kafkajs";

    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withoutAuthorizer(ClientSecurity.BROKER);
    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        ClientSecurity.setUp(broker, CLIENT);
    }

    @Order(1)
    @ParameterizedTest
    @EnumSource(Failure.class)
    void refusedAsByKafka(Failure failure) throws Exception {
        // when
        Subprocess.Result run = script("connect-" + failure, "connect", config(failure.client));
        // then
        List<String> expected = switch (failure) {
            case WRONG_PASSWORD, UNKNOWN_USER -> List.of("ERROR name=KafkaJSSASLAuthenticationError | SASL PLAIN authentication failed: "
                    + "Authentication failed: Invalid username or password");
            case SCRAM_WRONG_PASSWORD -> List.of("ERROR name=KafkaJSSASLAuthenticationError | SASL SCRAM SHA256 authentication failed: "
                    + "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
            case SCRAM_UNKNOWN_USER -> List.of("ERROR name=KafkaJSSASLAuthenticationError | SASL SCRAM SHA512 authentication failed: "
                    + "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512");
            // the SaslHandshake error itself (kafkajs checks the enabled mechanisms only after a successful handshake)
            case MECHANISM_NOT_ENABLED -> List.of("ERROR name=KafkaJSProtocolError type=UNSUPPORTED_SASL_MECHANISM code=33 | "
                    + "The broker does not support the requested SASL mechanism");
            // connection errors are retriable: with no retries left kafkajs wraps them
            // the broker presents its chain up to the (self-signed) test CA, which Node's default CAs do not hold
            case UNTRUSTED_BROKER -> connectionError("KafkaJSConnectionError code=SELF_SIGNED_CERT_IN_CHAIN",
                    "Connection error: self-signed certificate in certificate chain");
            case NO_CLIENT_CERTIFICATE -> ClientSecurity.jdkTls()
                    ? connectionError("KafkaJSConnectionError code=ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "Connection error: ")
                    : connectionError("KafkaJSConnectionError code=ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "Connection error: ");
            // the broker closes the connection at the first bytes that are no TLS record, as Kafka does
            case PLAINTEXT_ON_SSL_PORT, SASL_PLAINTEXT_ON_SASL_SSL_PORT ->
                    connectionError("KafkaJSConnectionClosedError", "Closed connection");
        };
        List<String> printed = run.stdoutText().lines().filter(l -> l.startsWith("ERROR ") || l.startsWith("CAUSE ")).toList();
        assertTrue(run.ok(), run::report);
        assertEquals(expected.size(), printed.size(), () -> "errors kafkajs threw\n" + run.report());
        for (int i = 0; i < expected.size(); i++) {
            String want = expected.get(i);
            String got = printed.get(i);
            assertTrue(got.startsWith(want), () -> "expected a line starting with: " + want + "\n" + run.report());
        }
        if (failure == Failure.NO_CLIENT_CERTIFICATE) {
            String alert = ClientSecurity.jdkTls() ? "sslv3 alert bad certificate" : "tlsv13 alert certificate required";
            assertTrue(printed.get(1).contains(alert), () -> "expected the TLS alert " + alert + "\n" + run.report());
        }
    }

    /** What kafkajs throws for a connection error when it may not retry: the error wrapped in NumberOfRetriesExceeded. */
    private static List<String> connectionError(String cause, String message) {
        return List.of("ERROR name=KafkaJSNumberOfRetriesExceeded | " + message, "CAUSE name=" + cause + " | " + message);
    }

    @Order(2)
    @ParameterizedTest
    @EnumSource(RoundTrip.class)
    void roundTrips(RoundTrip c) throws Exception {
        // when
        Subprocess.Result run = script("roundtrip-" + c, "roundtrip", config(c.client), c.topic(CLIENT), String.valueOf(RECORDS));
        // then
        assertTrue(run.ok() && run.stdoutText().contains("ROUNDTRIP OK " + RECORDS), run::report);
    }

    /** The script's JSON settings for {@code c}. */
    static String config(ClientSecurity c) {
        TestCertificates certs = TestCertificates.get();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("brokers", List.of(broker.bootstrap(c.listener())));
        switch (c.tls()) {
            case NONE -> { }
            case DEFAULT_TRUST -> p.put("ssl", true);
            case CA -> p.put("ssl", Map.of("ca", certs.caCertPem().toString()));
            case CA_AND_CERTIFICATE -> p.put("ssl", Map.of("ca", certs.caCertPem().toString(),
                    "cert", certs.clientCertPem().toString(), "key", certs.clientKeyPem().toString()));
        }
        if (c.mechanism() != null) {
            p.put("sasl", Map.of("mechanism", c.mechanism().toLowerCase(), "username", c.user(), "password", c.password()));
        }
        return ClientSecurity.json(p);
    }

    private static Subprocess.Result script(String name, String... args) throws Exception {
        Path jsDir = Subprocess.moduleDir().resolve("src/test/js");
        Clients.require(Subprocess.works(List.of("node", "--version")), "node (Node 18+)", "apt packages nodejs npm");
        Clients.require(Files.isDirectory(jsDir.resolve("node_modules/kafkajs")), "kafkajs in " + jsDir + "/node_modules",
                "npm ci in src/test/js");
        List<String> command = new ArrayList<>(List.of("node", "kafkajs_security.js"));
        command.addAll(List.of(args));
        return Subprocess.run(command, jsDir, null, dir, "kafkajs_security-" + name, Duration.ofSeconds(60));
    }
}
