package io.kafkalite.compat;

import io.kafkalite.acl.TestCertificates;
import io.kafkalite.broker.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A broker secured as a Kafka user secures theirs, started in this JVM for a test class: four listeners
 * (SSL, MTLS = SSL with client certificates required, SASL_PLAINTEXT, SASL_SSL), SASL PLAIN users from
 * the JAAS config (admin, alice, bob; password {@code <name>-secret}), SCRAM-SHA-256/512 and unsecured
 * OAUTHBEARER enabled; optionally Kafka's StandardAuthorizer with {@code super.users=User:admin}.
 */
final class SecureBroker implements BeforeAllCallback, AfterAllCallback {
    static final String CLIENT_CERT_PRINCIPAL = "User:" + TestCertificates.CLIENT_DN;
    static final String MECHANISMS = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER";

    private final boolean authorizer;
    private final Map<String, String> extra;
    private Path dataDir;
    private Broker broker;

    private SecureBroker(boolean authorizer, Map<String, String> extra) {
        this.authorizer = authorizer;
        this.extra = extra;
    }

    static SecureBroker withAuthorizer() {
        return withAuthorizer(Map.of());
    }

    static SecureBroker withAuthorizer(Map<String, String> extra) {
        return new SecureBroker(true, extra);
    }

    static SecureBroker withoutAuthorizer(Map<String, String> extra) {
        return new SecureBroker(false, extra);
    }

    static String plainJaas(String user) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\"" + user + "-secret\";";
    }

    static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }

    Map<String, String> brokerProps() throws Exception {
        TestCertificates certs = TestCertificates.get();
        Map<String, String> p = new HashMap<>();
        p.put("listeners", "SSL://localhost:" + TestBroker.freePort() + ",MTLS://localhost:" + TestBroker.freePort()
                + ",SASL_PLAINTEXT://localhost:" + TestBroker.freePort() + ",SASL_SSL://localhost:" + TestBroker.freePort());
        p.put("listener.security.protocol.map", "SSL:SSL,MTLS:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
        p.put("log.dirs", dataDir.toString());
        p.put("num.network.threads", "2");
        p.putAll(certs.brokerSsl());
        p.put("listener.name.mtls.ssl.client.auth", "required");
        p.put("sasl.enabled.mechanisms", MECHANISMS);
        String users = " user_admin=\"admin-secret\" user_alice=\"alice-secret\" user_bob=\"bob-secret\";";
        for (String listener : new String[] {"sasl_plaintext", "sasl_ssl"}) {
            String prefix = "listener.name." + listener + ".";
            p.put(prefix + "plain.sasl.jaas.config", plainJaas("admin").replace(";", users));
            p.put(prefix + "scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.put(prefix + "scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.put(prefix + "oauthbearer.sasl.jaas.config",
                    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"admin\";");
        }
        if (authorizer) {
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:admin");
        }
        p.putAll(extra);
        return p;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("kafkalite-secure");
        broker = Broker.start(brokerProps());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        broker.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    int port(String listener) {
        return broker.port(listener);
    }

    String bootstrap(String listener) {
        return "localhost:" + port(listener);
    }

    /** SASL/PLAIN over SASL_PLAINTEXT as {@code user} (password {@code <user>-secret}). */
    Map<String, Object> saslPlain(String user) {
        return sasl("SASL_PLAINTEXT", "PLAIN", plainJaas(user));
    }

    Map<String, Object> sasl(String listener, String mechanism, String jaas) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap(listener));
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, listener.equals("SASL_SSL") ? "SASL_SSL" : "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, mechanism);
        p.put(SaslConfigs.SASL_JAAS_CONFIG, jaas);
        if (listener.equals("SASL_SSL")) {
            p.putAll(TestCertificates.get().clientSsl(false));
        }
        return p;
    }

    /** SSL on the listener that requires client certificates, with the client's certificate. */
    Map<String, Object> mutualTls() {
        return tls("MTLS", true);
    }

    Map<String, Object> tls(String listener, boolean withCertificate) {
        Map<String, Object> p = new HashMap<>(TestCertificates.get().clientSsl(withCertificate));
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap(listener));
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        return p;
    }

    Admin admin(String user) {
        return Admin.create(saslPlain(user));
    }

    static Admin admin(Map<String, Object> client) {
        return Admin.create(client);
    }

    KafkaProducer<String, String> producer(Map<String, Object> client) {
        return producer(client, Map.of());
    }

    KafkaProducer<String, String> producer(Map<String, Object> client, Map<String, Object> overrides) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.putAll(overrides);
        return new KafkaProducer<>(p);
    }

    KafkaConsumer<String, String> consumer(Map<String, Object> client, String group) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(p);
    }
}
