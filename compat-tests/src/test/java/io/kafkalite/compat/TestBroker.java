package io.kafkalite.compat;

import io.kafkalite.broker.Broker;
import io.kafkalite.junit.KafkaliteExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A broker started in this JVM on a free port, plus stock clients for it. Either started directly
 * ({@link #start}, data in the given directory, restartable) or, as a JUnit extension ({@link #perClass}),
 * once for a test class through kafkalite-junit's {@link KafkaliteExtension} (data in a temporary
 * directory removed afterwards), as a user's tests would.
 */
final class TestBroker implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    /**
     * Kafka's own values of what {@code Broker.builder()} shortens for tests: brokers that tests restart run as
     * production brokers do (a classic group's restart test raced the embedded timers).
     */
    private static final Map<String, String> KAFKA_DEFAULTS = Map.of("group.initial.rebalance.delay.ms", "3000",
            "group.min.session.timeout.ms", "6000", "group.consumer.heartbeat.interval.ms", "5000",
            "group.consumer.session.timeout.ms", "45000", "transaction.abort.timed.out.transaction.cleanup.interval.ms", "10000",
            "num.network.threads", "2", "num.io.threads", "8");

    private final KafkaliteExtension extension;
    private final Path dataDir;
    private final Map<String, String> extra;
    private int port;
    private Broker standalone;

    private TestBroker(KafkaliteExtension extension, Path dataDir, Map<String, String> extra) {
        this.extension = extension;
        this.dataDir = dataDir;
        this.extra = extra;
    }

    static TestBroker start(Path dataDir) throws Exception {
        return start(dataDir, Map.of());
    }

    static TestBroker start(Path dataDir, Map<String, String> extra) {
        TestBroker b = new TestBroker(null, dataDir, extra);
        b.startStandalone();
        return b;
    }

    /** Use with {@code @RegisterExtension static final TestBroker broker = TestBroker.perClass(...)}. */
    static TestBroker perClass(Map<String, String> extra) {
        KafkaliteExtension extension = new KafkaliteExtension().onDisk();
        extra.forEach(extension::config);
        return new TestBroker(extension, null, extra);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        extension.beforeAll(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        extension.afterAll(context);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Map<String, String> props(Path dataDir, int port, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "PLAINTEXT://localhost:" + port);
        props.put("log.dirs", dataDir.toString());
        props.put("num.network.threads", "2");
        props.putAll(extra);
        return props;
    }

    /** The first start takes a free port; a restart binds the same one again. */
    private void startStandalone() {
        standalone = Broker.builder().dataDir(dataDir).port(port).configs(KAFKA_DEFAULTS).configs(extra).start();
        port = standalone.port();
    }

    void restart() {
        if (standalone == null) {
            throw new IllegalStateException("only brokers from TestBroker.start restart");
        }
        standalone.close();
        startStandalone();
    }

    private Broker broker() {
        return standalone != null ? standalone : extension.broker();
    }

    String bootstrap() {
        return broker().bootstrapServers();
    }

    int port() {
        return broker().port();
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    KafkaProducer<String, String> producer(Map<String, Object> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.putAll(overrides);
        return new KafkaProducer<>(p);
    }

    KafkaProducer<byte[], byte[]> bytesProducer(Map<String, Object> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(overrides);
        return new KafkaProducer<>(p);
    }

    KafkaConsumer<String, String> consumer() {
        return consumer(bootstrap());
    }

    static KafkaConsumer<String, String> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p);
    }

    KafkaConsumer<byte[], byte[]> bytesConsumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p);
    }

    @Override
    public void close() {
        if (standalone != null) {
            standalone.close();
        }
    }
}
