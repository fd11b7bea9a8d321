package io.kafkalite.compat;

import io.kafkalite.broker.Broker;
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

/** A broker started in this JVM on a free port, with its data in a given directory, plus stock clients for it. */
final class TestBroker implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> extra;
    private final int port;
    private Broker broker;

    private TestBroker(Path dataDir, Map<String, String> extra, int port) throws Exception {
        this.dataDir = dataDir;
        this.extra = extra;
        this.port = port;
        start();
    }

    static TestBroker start(Path dataDir) throws Exception {
        return start(dataDir, Map.of());
    }

    static TestBroker start(Path dataDir, Map<String, String> extra) throws Exception {
        return new TestBroker(dataDir, extra, freePort());
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

    private void start() throws Exception {
        broker = Broker.start(props(dataDir, port, extra));
    }

    void restart() throws Exception {
        broker.close();
        start();
    }

    String bootstrap() {
        return "localhost:" + port;
    }

    int port() {
        return port;
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
        broker.close();
    }
}
