package io.kafkalite.acl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Certificates for TLS tests, generated once per JVM into a temporary directory (deleted at exit) with the JDK's
 * {@code keytool} (five runs, two or three at a time, a few seconds; EC P-256 keys, valid from yesterday for ten
 * years):
 * <ul>
 *   <li>a CA ({@link #caCertPem()}, and {@link #truststore(String)} holding it, PKCS12 or JKS);</li>
 *   <li>a broker key signed by the CA, {@value #BROKER_DN}, SAN {@code DNS:localhost,IP:127.0.0.1}:
 *       {@link #brokerKeystore(String)} (PKCS12 or JKS, chain broker + CA), and as PEM
 *       ({@link #brokerCertChainPem()}, {@link #brokerKeyPem()}) for {@code ssl.keystore.type=PEM};</li>
 *   <li>a client key signed by the CA, {@value #CLIENT_DN}: {@link #clientKeystore()} (PKCS12) and, for
 *       librdkafka ({@code ssl.certificate.location}, {@code ssl.key.location}) and kafkajs (PEM strings),
 *       {@link #clientCertPem()} and {@link #clientKeyPem()} (PKCS#8, unencrypted);</li>
 *   <li>a second CA nobody trusts and a broker key signed by it, {@link #untrustedBrokerKeystore()}, for
 *       "the client does not trust the broker" tests.</li>
 * </ul>
 * Every store and key uses the password {@value #PASSWORD}.
 */
public final class TestCertificates {
    public static final String PASSWORD = "kafkalite-test";
    public static final String BROKER_DN = "CN=localhost,OU=test,O=kafkalite";
    public static final String CLIENT_DN = "CN=client,OU=test,O=kafkalite";
    private static final String SAN = "SAN=dns:localhost,ip:127.0.0.1";
    // OpenSSL's strict mode (Python 3.13 turns it on by default) wants key usage on a CA
    private static final String CA_KEY_USAGE = "KeyUsage:critical=keyCertSign,cRLSign";

    private static final List<String> FAST_PKCS12 = List.of("keystore.pkcs12.keyPbeIterationCount",
            "keystore.pkcs12.certPbeIterationCount", "keystore.pkcs12.macIterationCount");

    private static TestCertificates instance;

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** The certificates of this JVM, generated on first use. */
    public static synchronized TestCertificates get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("kafkalite-certs");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
                instance = new TestCertificates(dir);
                instance.generate();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Could not write the test key stores", e);
            }
        }
        return instance;
    }

    public Path dir() {
        return dir;
    }

    public Path caCertPem() {
        return dir.resolve("ca.pem");
    }

    /** @param type PKCS12 or JKS */
    public Path truststore(String type) {
        return dir.resolve("truststore." + extension(type));
    }

    /** @param type PKCS12 or JKS */
    public Path brokerKeystore(String type) {
        return dir.resolve("broker." + extension(type));
    }

    /** The broker's certificate followed by the CA's, PEM. */
    public Path brokerCertChainPem() {
        return dir.resolve("broker-chain.pem");
    }

    public Path brokerKeyPem() {
        return dir.resolve("broker.key");
    }

    /** PKCS12. */
    public Path clientKeystore() {
        return dir.resolve("client.p12");
    }

    public Path clientCertPem() {
        return dir.resolve("client.pem");
    }

    public Path clientKeyPem() {
        return dir.resolve("client.key");
    }

    /** PKCS12, signed by a CA that no trust store here holds. */
    public Path untrustedBrokerKeystore() {
        return dir.resolve("untrusted-broker.p12");
    }

    /** Broker settings for a TLS listener (PKCS12 stores), to be prefixed or not by the caller. */
    public Map<String, String> brokerSsl() {
        Map<String, String> props = new HashMap<>();
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", brokerKeystore("PKCS12").toString());
        props.put("ssl.keystore.password", PASSWORD);
        props.put("ssl.key.password", PASSWORD);
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", truststore("PKCS12").toString());
        props.put("ssl.truststore.password", PASSWORD);
        return props;
    }

    /** Java client settings trusting the CA, with the client certificate if asked (no security.protocol). */
    public Map<String, Object> clientSsl(boolean withCertificate) {
        Map<String, Object> props = new HashMap<>();
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", truststore("PKCS12").toString());
        props.put("ssl.truststore.password", PASSWORD);
        if (withCertificate) {
            props.put("ssl.keystore.type", "PKCS12");
            props.put("ssl.keystore.location", clientKeystore().toString());
            props.put("ssl.keystore.password", PASSWORD);
            props.put("ssl.key.password", PASSWORD);
        }
        return props;
    }

    /** A file's content, e.g. PEM for kafkajs. */
    public static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void generate() throws IOException, GeneralSecurityException {
        // PKCS12 stretches store passwords with 10000 rounds of PBKDF2 per entry, most of the time spent here in a
        // cold JVM; throwaway test stores need none of it (the property is read as each store is written).
        Map<String, String> saved = new HashMap<>();
        for (String property : FAST_PKCS12) {
            saved.put(property, System.setProperty(property, "1"));
        }
        try {
            writeStores();
        } finally {
            saved.forEach((property, value) -> {
                if (value == null) {
                    System.clearProperty(property);
                } else {
                    System.setProperty(property, value);
                }
            });
        }
    }

    private void writeStores() throws IOException, GeneralSecurityException {
        // Independent keytool runs go side by side: the two CAs, then the three keys they sign (each in a
        // copy of its CA's work store, since -signer reads the CA from the store it writes to).
        Path trusted = dir.resolve("ca.work.p12");
        Path untrusted = dir.resolve("untrusted.work.p12");
        Path broker = dir.resolve("broker.work.p12");
        Path client = dir.resolve("client.work.p12");
        await(keytool(trusted, "-alias", "ca", "-dname", "CN=kafkalite-test-ca", "-ext", "bc:c", "-ext", CA_KEY_USAGE),
                keytool(untrusted, "-alias", "untrusted-ca", "-dname", "CN=kafkalite-untrusted-ca",
                        "-ext", "bc:c", "-ext", CA_KEY_USAGE));
        Files.copy(trusted, broker);
        Files.copy(trusted, client);
        await(keytool(broker, "-alias", "broker", "-dname", BROKER_DN, "-ext", SAN, "-signer", "ca"),
                keytool(client, "-alias", "client", "-dname", CLIENT_DN, "-signer", "ca"),
                keytool(untrusted, "-alias", "untrusted-broker", "-dname", BROKER_DN, "-ext", SAN,
                        "-signer", "untrusted-ca"));

        Certificate ca = load(trusted).getCertificate("ca");
        writePem(caCertPem(), ca);
        KeyStore brokerEntries = load(broker);
        for (String type : List.of("PKCS12", "JKS")) {
            KeyStore trust = emptyStore(type);
            trust.setCertificateEntry("ca", ca);
            store(trust, truststore(type));
            store(keyStoreOf(brokerEntries, "broker", type), brokerKeystore(type));
        }
        writePem(brokerCertChainPem(), brokerEntries.getCertificateChain("broker"));
        writeKeyPem(brokerKeyPem(), brokerEntries.getKey("broker", PASSWORD.toCharArray()));
        KeyStore clientEntries = load(client);
        store(keyStoreOf(clientEntries, "client", "PKCS12"), clientKeystore());
        writePem(clientCertPem(), clientEntries.getCertificate("client"));
        writeKeyPem(clientKeyPem(), clientEntries.getKey("client", PASSWORD.toCharArray()));
        store(keyStoreOf(load(untrusted), "untrusted-broker", "PKCS12"), untrustedBrokerKeystore());
        for (Path work : List.of(trusted, untrusted, broker, client)) {
            Files.delete(work);
        }
    }

    /** Starts one {@code keytool -genkeypair}: self-signed or, with {@code -signer}, signed by another entry. */
    private static KeytoolRun keytool(Path keystore, String... args) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>(List.of(keytool.toString(),
                // a short-lived JVM: skip the optimising compiler and the parallel GC
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC",
                "-J-D" + FAST_PKCS12.get(0) + "=1", "-J-D" + FAST_PKCS12.get(1) + "=1", "-J-D" + FAST_PKCS12.get(2) + "=1",
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650", "-startdate", "-1d",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(keystore.getParent(), "keytool", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new KeytoolRun(command, process, output);
    }

    private record KeytoolRun(List<String> command, Process process, Path output) { }

    /** Waits for every run; all are ended (killed if need be) before this returns or throws. */
    private static void await(KeytoolRun... runs) throws IOException {
        try {
            for (KeytoolRun run : runs) {
                if (!run.process.waitFor(60, TimeUnit.SECONDS) || run.process.exitValue() != 0) {
                    throw new IOException("keytool failed: " + String.join(" ", run.command) + "\n"
                            + Files.readString(run.output));
                }
                Files.delete(run.output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running keytool", e);
        } finally {
            for (KeytoolRun run : runs) {
                run.process.destroyForcibly();
            }
        }
    }

    private static KeyStore load(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static KeyStore keyStoreOf(KeyStore all, String alias, String type)
            throws IOException, GeneralSecurityException {
        KeyStore store = emptyStore(type);
        store.setKeyEntry(alias, all.getKey(alias, PASSWORD.toCharArray()), PASSWORD.toCharArray(),
                all.getCertificateChain(alias));
        return store;
    }

    private static KeyStore emptyStore(String type) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type);
        store.load(null, null);
        return store;
    }

    private static void store(KeyStore store, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD.toCharArray());
        }
    }

    private static void writePem(Path file, Certificate... chain) throws IOException, GeneralSecurityException {
        StringBuilder pem = new StringBuilder();
        for (Certificate certificate : chain) {
            pem.append(pem("CERTIFICATE", certificate.getEncoded()));
        }
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }

    /** PKCS#8, unencrypted: what {@code Key.getEncoded()} gives for a private key. */
    private static void writeKeyPem(Path file, Key key) throws IOException {
        Files.writeString(file, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
    }

    private static String pem(String label, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
    }

    private static String extension(String type) {
        return switch (type) {
            case "PKCS12" -> "p12";
            case "JKS" -> "jks";
            default -> throw new IllegalArgumentException("PKCS12 or JKS, not " + type);
        };
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at JVM exit: a leftover temporary directory is harmless
        }
    }
}
