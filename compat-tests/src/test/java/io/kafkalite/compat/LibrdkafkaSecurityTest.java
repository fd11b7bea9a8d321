package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.acl.TestCertificates;
import io.kafkalite.compat.ClientSecurity.Failure;
import io.kafkalite.compat.ClientSecurity.RoundTrip;
import io.kafkalite.compat.ClientSecurity.Tls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * librdkafka (confluent_kafka, {@code src/test/python/rdkafka_security.py}) over every secured listener of a
 * {@link SecureBroker}, with Debian's librdkafka and the newest ({@link LibrdkafkaVersion}): the connections of
 * {@link ClientSecurity.Failure} first, each failing with the error librdkafka reports against Apache Kafka 4.4
 * (checked there with the same settings), then the round trips of {@link ClientSecurity.RoundTrip} (produce,
 * then consume in a group), which so also show that the broker kept serving through the failures.
 * Skipped without the clients ({@code compat-tests/install-clients.sh}), failed instead when {@code CI} is set.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibrdkafkaSecurityTest {
    static final int RECORDS = 50;
    /** How long list_topics() waits: every refusal here arrives within milliseconds. */
    static final String CONNECT_TIMEOUT_S = "1";
    /**
     * The first librdkafka whose SCRAM client-final-message Kafka 4 accepts: older ones append the client nonce
     * to the server's nonce a second time (confluentinc/librdkafka#4895, fixed in 2.6.1), which Kafka 4 refuses as
     * invalid credentials since it checks the nonce strictly (CVE-2024-56128; 3.8.1 and 3.9 still tolerated the
     * duplicate). kafka-clients' ScramSaslServer, which the broker uses, refuses it the same way.
     */
    static final Runtime.Version SCRAM_FIXED = Runtime.Version.parse("2.6.1");

    @RegisterExtension
    static final SecureBroker broker = SecureBroker.withoutAuthorizer(ClientSecurity.BROKER);
    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        for (LibrdkafkaVersion lib : LibrdkafkaVersion.values()) {
            ClientSecurity.setUp(broker, "rdkafka-" + lib.id());
        }
    }

    static Stream<Arguments> failures() {
        return Arrays.stream(LibrdkafkaVersion.values()).flatMap(lib -> Arrays.stream(Failure.values()).map(f -> Arguments.of(lib, f)));
    }

    static Stream<Arguments> roundTrips() {
        return Arrays.stream(LibrdkafkaVersion.values()).flatMap(lib -> Arrays.stream(RoundTrip.values()).map(c -> Arguments.of(lib, c)));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("failures")
    void refusedAsByKafka(LibrdkafkaVersion lib, Failure failure) throws Exception {
        // given
        lib.requireConfluentKafka();
        // when
        Subprocess.Result run = script(lib, "connect-" + failure, "connect", config(failure.client), CONNECT_TIMEOUT_S);
        // then
        String out = run.stdoutText();
        assertTrue(run.ok(), run::report);
        assertFalse(out.contains("CONNECTED"), () -> "connected although it must not\n" + run.report());
        assertTrue(out.contains("RAISED _TRANSPORT -195 | Failed to get metadata"), () -> "list_topics() did not fail with _TRANSPORT\n" + run.report());
        String expected = switch (failure) {
            case WRONG_PASSWORD, UNKNOWN_USER ->
                    "ERROR_CB _AUTHENTICATION -169 | sasl_plaintext://" + broker.bootstrap("SASL_PLAINTEXT")
                            + "/bootstrap: SASL authentication error: Authentication failed: Invalid username or password (after ";
            case SCRAM_WRONG_PASSWORD ->
                    "ERROR_CB _AUTHENTICATION -169 | sasl_plaintext://" + broker.bootstrap("SASL_PLAINTEXT") + "/bootstrap: SASL authentication error: "
                            + "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256 (after ";
            case SCRAM_UNKNOWN_USER ->
                    "ERROR_CB _AUTHENTICATION -169 | sasl_ssl://" + broker.bootstrap("SASL_SSL") + "/bootstrap: SASL authentication error: "
                            + "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after ";
            case MECHANISM_NOT_ENABLED ->
                    "ERROR_CB _AUTHENTICATION -169 | sasl_ssl://" + broker.bootstrap("SASL_SSL") + "/bootstrap: SASL SCRAM-SHA-256 mechanism "
                            + "handshake failed: Broker: Unsupported SASL mechanism: broker's supported mechanisms: PLAIN,SCRAM-SHA-512 (after ";
            case UNTRUSTED_BROKER ->
                    "ERROR_CB _SSL -181 | ssl://" + broker.bootstrap("SSL") + "/bootstrap: SSL handshake failed: ";
            // TLS 1.3: the client finishes its side of the handshake first, then reads the broker's alert
            case NO_CLIENT_CERTIFICATE ->
                    "ERROR_CB _TRANSPORT -195 | ssl://" + broker.bootstrap("MTLS") + "/bootstrap: Receive failed: ";
            // The broker closes the connection at the first bytes that are no TLS record, as Kafka does: no
            // answer to ApiVersions. librdkafka 2.0 says so through error_cb too, newer ones only in the log.
            case PLAINTEXT_ON_SSL_PORT -> "LOG FAIL [rdkafka#producer-1] [thrd:" + broker.bootstrap("SSL") + "/bootstrap]: "
                    + broker.bootstrap("SSL") + "/bootstrap: Disconnected";
            case SASL_PLAINTEXT_ON_SASL_SSL_PORT -> "LOG FAIL [rdkafka#producer-1] [thrd:sasl_plaintext://" + broker.bootstrap("SASL_SSL")
                    + "/bootstrap]: sasl_plaintext://" + broker.bootstrap("SASL_SSL") + "/bootstrap: Disconnected";
        };
        assertTrue(out.contains(expected), () -> "expected a line with: " + expected + "\n" + run.report());
        switch (failure) {
            case UNTRUSTED_BROKER -> assertLineHas(run, expected, "certificate verify failed: broker certificate could not be verified");
            case NO_CLIENT_CERTIFICATE -> assertLineHas(run, expected, ClientSecurity.jdkTls()
                    ? "sslv3 alert bad certificate: SSL alert number 42 (after "
                    : "tlsv13 alert certificate required: SSL alert number 116 (after ");
            case PLAINTEXT_ON_SSL_PORT, SASL_PLAINTEXT_ON_SASL_SSL_PORT -> assertLineHas(run, expected, "in state APIVERSION_QUERY");
            default -> { }
        }
    }

    @Order(2)
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("roundTrips")
    void roundTrips(LibrdkafkaVersion lib, RoundTrip c) throws Exception {
        // given
        lib.requireConfluentKafka();
        String topic = c.topic("rdkafka-" + lib.id());
        // when
        Subprocess.Result run = script(lib, "roundtrip-" + c, "roundtrip", config(c.client), topic, String.valueOf(RECORDS));
        // then
        Matcher version = LibrdkafkaTest.ROUNDTRIP_VERSION.matcher(run.stdoutText());
        assertTrue(version.find(), run::report);
        if (c.scram() && Runtime.Version.parse(version.group(1)).compareTo(SCRAM_FIXED) < 0) {
            // as against Kafka 4.4, see SCRAM_FIXED
            String out = run.stdoutText();
            assertTrue(!run.ok() && out.contains("FAIL " + RECORDS + " records undelivered; errors: ['_AUTHENTICATION -169 | ")
                    && out.contains("SASL authentication error: Authentication failed during authentication due to invalid credentials "
                            + "with SASL mechanism " + c.client.mechanism()),
                    () -> "librdkafka before 2.6.1 must fail SCRAM as on Kafka 4\n" + run.report());
        } else {
            assertTrue(run.ok() && run.stdoutText().contains("ROUNDTRIP OK " + RECORDS), run::report);
        }
    }

    /** librdkafka properties for {@code c}. */
    static String config(ClientSecurity c) {
        TestCertificates certs = TestCertificates.get();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", broker.bootstrap(c.listener()));
        p.put("security.protocol", (c.mechanism() == null ? "" : "SASL_") + (c.tls() == Tls.NONE ? "PLAINTEXT" : "SSL"));
        if (c.tls() == Tls.CA || c.tls() == Tls.CA_AND_CERTIFICATE) {
            p.put("ssl.ca.location", certs.caCertPem().toString());
        }
        if (c.tls() == Tls.CA_AND_CERTIFICATE) {
            p.put("ssl.certificate.location", certs.clientCertPem().toString());
            p.put("ssl.key.location", certs.clientKeyPem().toString());
        }
        if (c.mechanism() != null) {
            p.put("sasl.mechanism", c.mechanism());
            p.put("sasl.username", c.user());
            p.put("sasl.password", c.password());
        }
        return ClientSecurity.json(p);
    }

    private static Subprocess.Result script(LibrdkafkaVersion lib, String name, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LibrdkafkaTest.PYTHON,
                Subprocess.moduleDir().resolve("src/test/python/rdkafka_security.py").toString()));
        command.addAll(List.of(args));
        Subprocess.Result run = Subprocess.run(command, lib.env(), null, null, dir, "rdkafka_security-" + lib.id() + "-" + name,
                Duration.ofSeconds(60));
        LibrdkafkaTest.assertLoaded(lib, LibrdkafkaTest.ROUNDTRIP_VERSION, run);
        return run;
    }

    /** The first line of the output containing {@code prefix} also contains {@code detail}. */
    private static void assertLineHas(Subprocess.Result run, String prefix, String detail) throws Exception {
        String line = run.stdoutText().lines().filter(l -> l.contains(prefix)).findFirst().orElse("");
        assertTrue(line.contains(detail), () -> "expected \"" + detail + "\" in: " + line + "\n" + run.report());
    }
}
