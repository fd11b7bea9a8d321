package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.acl.TlsContexts;
import io.netty.handler.ssl.SslProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * The secured connections {@link LibrdkafkaSecurityTest} and {@link KafkajsSecurityTest} make a non-Java client
 * open to a {@link SecureBroker}: the round trips that must work and the failures that must fail as on Kafka.
 * Each client test turns a {@link ClientSecurity} into its own client settings.
 *
 * @param listener the broker listener connected to (SSL, MTLS, SASL_PLAINTEXT, SASL_SSL)
 * @param tls      what the client does about TLS
 * @param mechanism SASL mechanism, null for none
 */
record ClientSecurity(String listener, Tls tls, String mechanism, String user, String password) {
    static final String SCRAM_USER = "carol";

    enum Tls {
        /** plaintext */
        NONE,
        /** TLS trusting only the platform's default CAs, which do not include the test CA */
        DEFAULT_TRUST,
        /** TLS trusting the test CA */
        CA,
        /** TLS trusting the test CA, presenting the test client certificate */
        CA_AND_CERTIFICATE
    }

    /** Secured connections that must round-trip records. */
    enum RoundTrip {
        SSL(new ClientSecurity("SSL", Tls.CA, null, null, null)),
        MTLS(new ClientSecurity("MTLS", Tls.CA_AND_CERTIFICATE, null, null, null)),
        SASL_PLAINTEXT_PLAIN(new ClientSecurity("SASL_PLAINTEXT", Tls.NONE, "PLAIN", "alice", "alice-secret")),
        SASL_PLAINTEXT_SCRAM_SHA_256(new ClientSecurity("SASL_PLAINTEXT", Tls.NONE, "SCRAM-SHA-256", SCRAM_USER, "carol-256")),
        SASL_PLAINTEXT_SCRAM_SHA_512(new ClientSecurity("SASL_PLAINTEXT", Tls.NONE, "SCRAM-SHA-512", SCRAM_USER, "carol-512")),
        SASL_SSL_PLAIN(new ClientSecurity("SASL_SSL", Tls.CA, "PLAIN", "bob", "bob-secret")),
        SASL_SSL_SCRAM_SHA_512(new ClientSecurity("SASL_SSL", Tls.CA, "SCRAM-SHA-512", SCRAM_USER, "carol-512"));

        final ClientSecurity client;

        RoundTrip(ClientSecurity client) {
            this.client = client;
        }

        /** The topic this case round-trips through for {@code clientId}, created by {@link #setUp}. */
        String topic(String clientId) {
            return clientId + "-" + name().toLowerCase().replace('_', '-');
        }

        boolean scram() {
            return client.mechanism != null && client.mechanism.startsWith("SCRAM");
        }
    }

    /** Connections Kafka refuses; each client test asserts the error its client reports for each. */
    enum Failure {
        WRONG_PASSWORD(new ClientSecurity("SASL_PLAINTEXT", Tls.NONE, "PLAIN", "alice", "wrong")),
        UNKNOWN_USER(new ClientSecurity("SASL_PLAINTEXT", Tls.NONE, "PLAIN", "nobody", "nothing")),
        SCRAM_WRONG_PASSWORD(new ClientSecurity("SASL_PLAINTEXT", Tls.NONE, "SCRAM-SHA-256", SCRAM_USER, "wrong")),
        SCRAM_UNKNOWN_USER(new ClientSecurity("SASL_SSL", Tls.CA, "SCRAM-SHA-512", "nobody", "nothing")),
        /** the SASL_SSL listener enables only PLAIN and SCRAM-SHA-512 ({@link #BROKER}) */
        MECHANISM_NOT_ENABLED(new ClientSecurity("SASL_SSL", Tls.CA, "SCRAM-SHA-256", SCRAM_USER, "carol-256")),
        UNTRUSTED_BROKER(new ClientSecurity("SSL", Tls.DEFAULT_TRUST, null, null, null)),
        NO_CLIENT_CERTIFICATE(new ClientSecurity("MTLS", Tls.CA, null, null, null)),
        PLAINTEXT_ON_SSL_PORT(new ClientSecurity("SSL", Tls.NONE, null, null, null)),
        SASL_PLAINTEXT_ON_SASL_SSL_PORT(new ClientSecurity("SASL_SSL", Tls.NONE, "PLAIN", "alice", "alice-secret"));

        final ClientSecurity client;

        Failure(ClientSecurity client) {
            this.client = client;
        }
    }

    /** Broker settings beyond {@link SecureBroker}'s: one listener without a mechanism the others have. */
    static final Map<String, String> BROKER = Map.of(
            "listener.name.sasl_ssl.sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512",
            "group.initial.rebalance.delay.ms", "0");

    /**
     * Whether the broker's TLS engine is the JDK's, as Kafka's is, rather than OpenSSL (netty-tcnative, used when on
     * the classpath). A client that sends no certificate where one is required gets a different TLS alert from
     * each: the JDK's {@code bad_certificate} (42, as from Kafka), OpenSSL's TLS 1.3 {@code certificate_required} (116).
     */
    static boolean jdkTls() {
        return TlsContexts.defaultProvider() == SslProvider.JDK;
    }

    /** The SCRAM user of the round trips, with both mechanisms, and a one-partition topic per round trip. */
    static void setUp(SecureBroker broker, String clientId) throws Exception {
        try (Admin admin = broker.admin("admin")) {
            // one change per user and request, as Kafka requires
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(SCRAM_USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "carol-256"))).all().get();
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(SCRAM_USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "carol-512"))).all().get();
            assertEquals(2, admin.describeUserScramCredentials(List.of(SCRAM_USER)).all().get().get(SCRAM_USER)
                    .credentialInfos().size(), "SCRAM credentials of " + SCRAM_USER);
            List<NewTopic> topics = new ArrayList<>();
            for (RoundTrip c : RoundTrip.values()) {
                topics.add(new NewTopic(c.topic(clientId), 1, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
    }

    /** A flat JSON object of strings (or lists and objects of strings) for a client script's argument. */
    static String json(Map<String, ?> fields) {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, ?> e : new TreeMap<>(fields).entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(quote(e.getKey())).append(':').append(value(e.getValue()));
        }
        return out.append('}').toString();
    }

    @SuppressWarnings("unchecked")
    private static String value(Object v) {
        if (v instanceof Map<?, ?> map) {
            return json((Map<String, ?>) map);
        }
        if (v instanceof List<?> list) {
            return "[" + String.join(",", list.stream().map(ClientSecurity::value).toList()) + "]";
        }
        if (v instanceof Boolean b) {
            return b.toString();
        }
        return quote(v.toString());
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
