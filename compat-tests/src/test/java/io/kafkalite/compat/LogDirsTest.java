package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkalite.broker.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker with three {@code log.dirs}: partitions spread over them and found again after a restart,
 * DescribeLogDirs through the admin client and {@code kafka-log-dirs}, and one full directory taking only
 * its partitions offline. The fault test mounts a tmpfs: it needs root, as CI has.
 */
@Timeout(120)
class LogDirsTest {
    private static final int NODE = 1; // node.id's default
    @TempDir
    Path dir;

    private List<Path> dirs() {
        return List.of(dir.resolve("d1"), dir.resolve("d2"), dir.resolve("d3"));
    }

    private Broker start(int port) throws Exception {
        Map<String, String> extra = Map.of("log.dirs", String.join(",", dirs().stream().map(Path::toString).toList()),
                "kafkalite.metrics.prometheus.port", "0");
        return Broker.start(TestBroker.props(dir, port, extra));
    }

    @Test
    void partitionsSpreadOverThreeDirectoriesSurviveARestartAndTheirSizesAreReported() throws Exception {
        int port = TestBroker.freePort();
        Map<TopicPartition, String> placed;
        try (Broker broker = start(port); Admin admin = admin(broker.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("spread", 6, (short) 1), new NewTopic("other", 3, (short) 1))).all().get();
            produce(broker.bootstrapServers(), "spread", 6, 50);
            produce(broker.bootstrapServers(), "other", 3, 20);
            // then: three partitions in each directory, each partition's files in exactly one
            Map<String, LogDirDescription> described = admin.describeLogDirs(List.of(NODE)).allDescriptions().get().get(NODE);
            assertEquals(dirs().stream().map(d -> d.toAbsolutePath().normalize().toString()).sorted().toList(),
                    described.keySet().stream().sorted().toList());
            placed = new HashMap<>();
            for (Map.Entry<String, LogDirDescription> e : described.entrySet()) {
                LogDirDescription d = e.getValue();
                assertNull(d.error());
                assertEquals(3, d.replicaInfos().size(), e.getKey() + ": " + d.replicaInfos());
                assertTrue(d.totalBytes().orElse(0) > 0 && d.usableBytes().orElse(0) > 0, d.toString());
                for (Map.Entry<TopicPartition, ReplicaInfo> r : d.replicaInfos().entrySet()) {
                    placed.put(r.getKey(), e.getKey());
                    assertEquals(segmentBytes(Path.of(e.getKey(), r.getKey().toString())), r.getValue().size(), r.toString());
                    assertTrue(r.getValue().size() > 0);
                    assertEquals(0, r.getValue().offsetLag());
                    assertFalse(r.getValue().isFuture());
                }
            }
            assertEquals(9, placed.size());
            for (Map.Entry<TopicPartition, String> p : placed.entrySet()) {
                assertEquals(1, dirs().stream().filter(d -> Files.isDirectory(d.resolve(p.getKey().toString()))).count(), p.toString());
            }
            // and: kafka-log-dirs prints the same sizes for the topics asked for
            Tools.Result r = Tools.run(dir, "org.apache.kafka.tools.LogDirsCommand",
                    List.of("--describe", "--bootstrap-server", broker.bootstrapServers(), "--topic-list", "spread"));
            assertEquals(0, r.exitCode(), r.stderr());
            String json = r.stdout().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(r.stdout()));
            JsonNode logDirs = new ObjectMapper().readTree(json).get("brokers").get(0).get("logDirs");
            int printed = 0;
            for (JsonNode d : logDirs) {
                assertTrue(d.get("error").isNull(), d.toString());
                for (JsonNode p : d.get("partitions")) {
                    String name = p.get("partition").asText();
                    assertTrue(name.startsWith("spread-"), name);
                    assertEquals(segmentBytes(Path.of(d.get("logDir").asText(), name)), p.get("size").asLong());
                    printed++;
                }
            }
            assertEquals(6, printed, json);
        }
        // when: restarted
        try (Broker broker = start(port); Admin admin = admin(broker.bootstrapServers())) {
            // then: every partition where it was, every record readable
            Map<String, LogDirDescription> described = admin.describeLogDirs(List.of(NODE)).allDescriptions().get().get(NODE);
            Map<TopicPartition, String> after = new HashMap<>();
            described.forEach((path, d) -> d.replicaInfos().keySet().forEach(tp -> after.put(tp, path)));
            assertEquals(placed, after);
            assertEquals(6 * 50, consumeAll(broker.bootstrapServers(), "spread").size());
            assertEquals(3 * 20, consumeAll(broker.bootstrapServers(), "other").size());
        }
    }

    @Test
    void aFullDirectoryTakesOnlyItsPartitionsOffline() throws Exception {
        Path small = Files.createDirectories(dir.resolve("d2"));
        StorageFaultTest.mount("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", small.toString());
        try (Broker broker = start(TestBroker.freePort()); Admin admin = admin(broker.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("t", 3, (short) 1))).all().get();
            String smallPath = small.toAbsolutePath().normalize().toString();
            assertTrue(admin.describeLogDirs(List.of(NODE)).allDescriptions().get().get(NODE).get(smallPath).replicaInfos()
                    .containsKey(new TopicPartition("t", 1)), "partition 1 is on the small directory");
            // when: partition 1 fills its directory
            Exception refused = null;
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(), ProducerConfig.RETRIES_CONFIG, 0, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000), new StringSerializer(), new StringSerializer())) {
                String big = "x".repeat(200_000);
                for (int i = 0; i < 60 && refused == null; i++) {
                    try {
                        producer.send(new ProducerRecord<>("t", 1, "k", big)).get();
                    } catch (ExecutionException e) {
                        refused = (Exception) e.getCause();
                    }
                }
            }
            // then: its writes are refused with KAFKA_STORAGE_ERROR (seen without retries), the directory shows it
            assertInstanceOf(KafkaStorageException.class, refused);
            LogDirDescription failed = admin.describeLogDirs(List.of(NODE)).allDescriptions().get().get(NODE).get(smallPath);
            assertInstanceOf(KafkaStorageException.class, failed.error());
            assertEquals(List.of("1.0"), scrape(broker).lines().filter(l -> l.startsWith("kafka_server_replicamanager_offlinereplicacount "))
                    .map(l -> l.substring(l.indexOf(' ') + 1)).toList(), "one offline replica in /metrics");
            // and: the partitions of the other directories keep producing and consuming
            produceTo(broker.bootstrapServers(), "t", 0, 30);
            produceTo(broker.bootstrapServers(), "t", 2, 30);
            Map<Integer, Integer> consumed = new HashMap<>();
            try (KafkaConsumer<String, String> consumer = consumer(broker.bootstrapServers())) {
                List<TopicPartition> healthy = List.of(new TopicPartition("t", 0), new TopicPartition("t", 2));
                consumer.assign(healthy);
                consumer.seekToBeginning(healthy);
                long deadline = System.currentTimeMillis() + 20_000;
                while (consumed.values().stream().mapToInt(Integer::intValue).sum() < 60 && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
                        consumed.merge(rec.partition(), 1, Integer::sum);
                    }
                }
            }
            assertEquals(Map.of(0, 30, 2, 30), consumed);
            for (String d : List.of(dirs().get(0), dirs().get(2)).stream().map(p -> p.toAbsolutePath().normalize().toString()).toList()) {
                assertNull(admin.describeLogDirs(List.of(NODE)).allDescriptions().get().get(NODE).get(d).error(), d);
            }
        } finally {
            StorageFaultTest.mount("umount", "-l", small.toString());
        }
    }

    private static String scrape(Broker broker) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://localhost:" + broker.metricsPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long segmentBytes(Path partitionDir) throws Exception {
        try (Stream<Path> files = Files.list(partitionDir)) {
            long total = 0;
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000), new StringSerializer(), new StringSerializer());
    }

    private static void produce(String bootstrap, String topic, int partitions, int perPartition) throws Exception {
        for (int p = 0; p < partitions; p++) {
            produceTo(bootstrap, topic, p, perPartition);
        }
    }

    private static void produceTo(String bootstrap, String topic, int partition, int count) throws Exception {
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, partition, "k" + i, topic + "-" + partition + "-" + i)));
            }
            for (Future<?> f : sent) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer());
    }

    private static List<String> consumeAll(String bootstrap, String topic) throws Exception {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap); Admin admin = admin(bootstrap)) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            List<TopicPartition> tps = java.util.stream.IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.currentTimeMillis() + 20_000;
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < consumer.endOffsets(List.of(tp)).get(tp))
                    && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(rec -> values.add(rec.value()));
            }
        }
        return values;
    }
}
