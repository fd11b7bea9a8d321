package io.kafkalite.broker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A short, typical session against a throwaway broker, run once by {@code bin/broker} with
 * {@code -XX:ArchiveClassesAtExit} so that the classes of start-up and of the first requests go
 * into a class-data-sharing archive: the broker then starts in about half the time.
 */
public final class CdsTraining {
    private static final Logger log = LoggerFactory.getLogger(CdsTraining.class);

    private CdsTraining() { }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("kafkalite-cds");
        try (Broker broker = Broker.start(Map.of("listeners", "PLAINTEXT://localhost:0", "log.dirs", dir.toString(),
                "group.initial.rebalance.delay.ms", "0"))) {
            String bootstrap = "localhost:" + broker.port();
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("training", 2, (short) 1))).all().get();
                admin.describeTopics(List.of("training")).allTopicNames().get();
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>("training", ("k" + i).getBytes(), "value".getBytes()));
                }
                producer.send(new ProducerRecord<>("training-auto", "v".getBytes())).get();
            }
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "training");
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of("training"));
                int read = 0;
                for (int i = 0; i < 50 && read < 100; i++) {
                    read += consumer.poll(Duration.ofMillis(100)).count();
                }
                consumer.commitSync();
                log.info("Training session read {} records", read);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
