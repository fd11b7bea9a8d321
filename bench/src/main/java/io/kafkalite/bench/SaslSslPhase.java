package io.kafkalite.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The SASL_SSL phase: both brokers serve one SASL_SSL listener with the same settings (TLS from a generated PKCS12
 * keystore, Kafka's default protocols and ciphers, SASL PLAIN with the users of the listener's JAAS config, and
 * {@code StandardAuthorizer} with the bench user as super user, so every request goes through the authorizer), and
 * the stock tools connect with a client config file, as a user's would.
 */
final class SaslSslPhase {
    static final String PROTOCOL = "SASL_SSL";
    private static final String USER = "bench";
    private static final String PASSWORD = "bench-secret";
    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule required";
    /**
     * 100 MB of 1 KB records, unmeasured, whatever the run's size: the JDK's AES-GCM runs in the interpreter until the
     * JIT compiles it (tens of MB/s, against hundreds once compiled), and on this busy machine a warm-up of 25 MB left
     * it still interpreted in our broker well into the measured produce (JFR samples in GHASH.processBlock).
     */
    private static final long WARM_UP_RECORDS = 100_000;

    private final TlsFiles tls;
    private final Path clientConfig;

    private SaslSslPhase(TlsFiles tls, Path clientConfig) {
        this.tls = tls;
        this.clientConfig = clientConfig;
    }

    /** Generates the TLS files and the client config in {@code dir}, once for all rounds. */
    static SaslSslPhase prepare(Path dir) throws IOException, InterruptedException {
        TlsFiles tls = TlsFiles.generate(dir);
        Path clientConfig = dir.resolve("client-sasl-ssl.properties");
        List<String> lines = new ArrayList<>();
        clientProps(tls).forEach((k, v) -> lines.add(k + "=" + v));
        Files.write(clientConfig, lines);
        return new SaslSslPhase(tls, clientConfig);
    }

    private static Map<String, String> clientProps(TlsFiles tls) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", PROTOCOL);
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", PLAIN + " username=\"" + USER + "\" password=\"" + PASSWORD + "\";");
        p.put("ssl.truststore.location", tls.truststore.toString());
        p.put("ssl.truststore.password", TlsFiles.PASSWORD);
        p.put("ssl.truststore.type", "PKCS12");
        return p;
    }

    /** The Java clients' properties for a broker at {@code bootstrap}. */
    Properties clientProperties(String bootstrap) {
        Properties p = new Properties();
        p.putAll(clientProps(tls));
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    Path clientConfig() {
        return clientConfig;
    }

    /**
     * The listener's server properties, the same for both brokers, plus what Kafka's KRaft combined mode needs besides:
     * its inter-broker listener is this one, so it needs a SASL mechanism for it (GSSAPI by default), and its
     * controller listener stays PLAINTEXT, where the broker registers and heartbeats as {@code User:ANONYMOUS}, which
     * the authorizer must let through as a super user (Kafka's documented set-up for a PLAINTEXT controller listener).
     */
    Map<String, String> serverProps(boolean kafka) {
        String l = "listener.name." + PROTOCOL.toLowerCase() + ".";
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", tls.keystore.toString());
        p.put("ssl.keystore.password", TlsFiles.PASSWORD);
        p.put("ssl.key.password", TlsFiles.PASSWORD);
        // Kafka checks at start-up that a client with its settings can connect to its listener, so it needs the CA too
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", tls.truststore.toString());
        p.put("ssl.truststore.password", TlsFiles.PASSWORD);
        p.put("ssl.enabled.protocols", "TLSv1.2,TLSv1.3"); // Kafka's default, written out; ssl.cipher.suites left to the JDK's
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put(l + "plain.sasl.jaas.config", PLAIN + " username=\"" + USER + "\" password=\"" + PASSWORD + "\" user_" + USER + "=\""
                + PASSWORD + "\";");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + USER);
        if (kafka) {
            p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
            p.put("super.users", "User:" + USER + ";User:ANONYMOUS");
        }
        return p;
    }

    /**
     * Produce (1 KB records to 6 partitions, the produce phase's producer settings) and consume of that topic over
     * SASL_SSL, each with the broker's CPU per GB; first {@link #WARM_UP_RECORDS} produced and read on another topic,
     * unmeasured, so that neither broker's TLS path is measured cold (the broker has just started).
     */
    void run(BrokerProcess b, Tool plainTool, long records, Map<String, Double> r) throws Exception {
        Tool tool = plainTool.withClientConfig(clientConfig);
        try (Admin admin = Admin.create(clientProperties(b.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("sasl-ssl", 6, (short) 1), new NewTopic("sasl-ssl-warm-up", 6, (short) 1))).all().get();
        }
        String warmLog = "produce-sasl-ssl-warm-up.log";
        tool.await(tool.produce(b.bootstrap(), "sasl-ssl-warm-up", WARM_UP_RECORDS, 1024, warmLog), warmLog);
        tool.consume(b.bootstrap(), "sasl-ssl-warm-up", WARM_UP_RECORDS, "consume-sasl-ssl-warm-up.log");

        double gb = records * 1024.0 / 1e9;
        double cpu0 = b.cpuSeconds();
        String log = "produce-sasl-ssl.log";
        r.put("produce_sasl_ssl_1kb_p6_mbps", Tool.producedMBps(tool.await(tool.produce(b.bootstrap(), "sasl-ssl", records, 1024, log), log)));
        double cpu1 = b.cpuSeconds();
        r.put("consume_sasl_ssl_1kb_mbps", tool.consume(b.bootstrap(), "sasl-ssl", records, "consume-sasl-ssl.log"));
        r.put("cpu_s_per_gb_sasl_ssl_produced", (cpu1 - cpu0) / gb);
        r.put("cpu_s_per_gb_sasl_ssl_consumed", (b.cpuSeconds() - cpu1) / gb);
    }
}
