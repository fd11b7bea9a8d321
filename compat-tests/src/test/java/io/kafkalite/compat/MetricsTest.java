package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.broker.Broker;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics operators watch: a known produce load, then GET /metrics (Prometheus) and the platform MBean server
 * (JMX, the broker is in this JVM) show Kafka's BrokerTopicMetrics and RequestMetrics matching it, and
 * consumer lag matches known committed offsets.
 */
class MetricsTest {
    private static final int RECORDS = 20_000;
    private static final int VALUE_BYTES = 1000;
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    @TempDir
    static Path dataDir;
    static Broker broker;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        broker = Broker.builder().dataDir(dataDir).config("kafkalite.metrics.prometheus.port", "0")
                .config("kafkalite.metrics.prometheus.host", "localhost").config("kafkalite.metrics.consumer.lag.interval.ms", "1000")
                .config("kafkalite.metrics.jmx.enable", "true")
                .start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void byteAndRequestRatesMatchAKnownLoad() throws Exception {
        // given
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("metered", 3, (short) 1))).all().get();
        }
        // when: 20,000 records of 1,000 bytes, about 20 MB, over a few seconds
        byte[] value = new byte[VALUE_BYTES];
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            for (int i = 0; i < RECORDS; i++) {
                p.send(new ProducerRecord<>("metered", i % 3, null, value));
                if (i % 2000 == 0) {
                    p.flush();
                    Thread.sleep(200);
                }
            }
        }
        try (KafkaConsumer<byte[], byte[]> c = consumer(null)) {
            List<TopicPartition> tps = List.of(new TopicPartition("metered", 0), new TopicPartition("metered", 1),
                    new TopicPartition("metered", 2));
            c.assign(tps);
            c.seekToBeginning(tps);
            int read = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            while (read < RECORDS && System.currentTimeMillis() < deadline) {
                read += c.poll(Duration.ofMillis(500)).count();
            }
            assertEquals(RECORDS, read);
        }

        // then: bytes in are the record batches as appended (the segments hold them as received), messages the records
        long[] stored = storedBatches("metered");
        long batchBytes = stored[0];
        long batches = stored[1];
        assertTrue(batchBytes >= (long) RECORDS * VALUE_BYTES && batchBytes < RECORDS * VALUE_BYTES * 1.05, "load " + batchBytes);
        Map<String, Double> prom = scrape();
        double bytesIn = prom.get("kafka_server_brokertopicmetrics_bytesin_total{topic=\"metered\"}");
        double messagesIn = prom.get("kafka_server_brokertopicmetrics_messagesin_total{topic=\"metered\"}");
        assertEquals(batchBytes, bytesIn, batchBytes * 0.05, "BytesInPerSec of the topic");
        assertEquals(RECORDS, messagesIn, RECORDS * 0.05, "MessagesInPerSec of the topic");
        assertEquals(batchBytes, (long) bytesIn, "exactly, in fact");
        assertEquals(RECORDS, (long) messagesIn);
        assertTrue(prom.get("kafka_server_brokertopicmetrics_bytesin_total{topic=\"\"}") >= bytesIn, "all topics");
        assertEquals(batches, prom.get("kafka_server_brokertopicmetrics_totalproducerequests_total{topic=\"metered\"}"),
                "one per partition of each Produce request, each of which carried one batch");
        double bytesOut = prom.get("kafka_server_brokertopicmetrics_bytesout_total{topic=\"metered\"}");
        assertTrue(bytesOut >= batchBytes && bytesOut < batchBytes * 1.05, "BytesOutPerSec: everything was read once " + bytesOut);
        double produces = sum(prom, "kafka_network_requestmetrics_requests_total{request=\"Produce\"");
        assertTrue(produces >= batches / 3.0 && produces <= batches, "Produce requests " + produces + " for " + batches + " batches");
        double fetches = sum(prom, "kafka_network_requestmetrics_requests_total{request=\"Fetch\"");
        assertTrue(fetches > 0);
        assertEquals(fetches, sum(prom, "kafka_network_requestmetrics_requests_total{request=\"FetchConsumer\""));
        assertNotNull(prom.get("kafka_network_requestmetrics_totaltimems{quantile=\"0.99\",request=\"Produce\"}"));
        assertEquals(1.0, prom.get("kafka_controller_kafkacontroller_activecontrollercount"));
        assertTrue(prom.get("kafka_server_replicamanager_partitioncount") >= 3);

        // and through JMX with Kafka's MBean names and Yammer's attributes
        ObjectName topicBytesIn = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=metered");
        await(() -> JMX.isRegistered(topicBytesIn), "the topic's MBean is registered");
        assertEquals(batchBytes, (Long) JMX.getAttribute(topicBytesIn, "Count"));
        ObjectName allMessagesIn = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec");
        assertTrue((Long) JMX.getAttribute(allMessagesIn, "Count") >= RECORDS);
        await(() -> attribute(allMessagesIn, "OneMinuteRate") > 0, "the one-minute rate is computed");
        assertEquals("messages", JMX.getAttribute(allMessagesIn, "EventType"));
        assertFalse(JMX.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,version=*"), null)
                .isEmpty());
        ObjectName produceTime = new ObjectName("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce");
        await(() -> JMX.isRegistered(produceTime), "TotalTimeMs");
        assertTrue((Long) JMX.getAttribute(produceTime, "Count") >= produces);
        assertTrue(attribute(produceTime, "99thPercentile") >= attribute(produceTime, "50thPercentile"));
        assertEquals(1L, JMX.getAttribute(new ObjectName("kafka.controller:type=KafkaController,name=ActiveControllerCount"), "Value"));
        assertEquals(0L, JMX.getAttribute(new ObjectName("kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions"), "Value"));

        // a deleted topic's meters go (the number of series stays bounded by the topics)
        try (Admin admin = admin()) {
            admin.deleteTopics(List.of("metered")).all().get();
        }
        assertFalse(scrape().containsKey("kafka_server_brokertopicmetrics_bytesin_total{topic=\"metered\"}"));
        await(() -> !JMX.isRegistered(topicBytesIn), "the deleted topic's MBean is unregistered");
    }

    @Test
    void consumerLagOfAGroupWithCommittedOffsets() throws Exception {
        // given: 100, 50 and 0 records in three partitions
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("lagging", 3, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            for (int i = 0; i < 150; i++) {
                p.send(new ProducerRecord<>("lagging", i < 100 ? 0 : 1, null, new byte[10]));
            }
        }
        // when: the group has committed 30 in partition 0, 50 in partition 1, 0 in partition 2
        TopicPartition p0 = new TopicPartition("lagging", 0);
        TopicPartition p1 = new TopicPartition("lagging", 1);
        TopicPartition p2 = new TopicPartition("lagging", 2);
        try (KafkaConsumer<byte[], byte[]> c = consumer("lag-group")) {
            c.assign(List.of(p0, p1, p2));
            c.commitSync(Map.of(p0, new OffsetAndMetadata(30), p1, new OffsetAndMetadata(50), p2, new OffsetAndMetadata(0)));
        }
        // then
        ObjectName lag0 = new ObjectName("kafka.server:type=GroupMetrics,name=ConsumerLag,group=lag-group,topic=lagging,partition=0");
        await(() -> JMX.isRegistered(lag0), "the lag MBean is registered");
        assertEquals(70L, JMX.getAttribute(lag0, "Value"));
        assertEquals(0L, JMX.getAttribute(new ObjectName(
                "kafka.server:type=GroupMetrics,name=ConsumerLag,group=lag-group,topic=lagging,partition=1"), "Value"));
        assertEquals(70L, JMX.getAttribute(new ObjectName("kafka.server:type=GroupMetrics,name=ConsumerLagSum,group=lag-group"), "Value"));
        Map<String, Double> prom = scrape();
        assertEquals(70.0, prom.get("kafka_server_groupmetrics_consumerlag{group=\"lag-group\",partition=\"0\",topic=\"lagging\"}"));
        assertEquals(0.0, prom.get("kafka_server_groupmetrics_consumerlag{group=\"lag-group\",partition=\"2\",topic=\"lagging\"}"));
        assertEquals(70.0, prom.get("kafka_server_groupmetrics_consumerlagsum{group=\"lag-group\"}"));
    }

    /** Total bytes and number of the record batches in the topic's segment files. */
    private static long[] storedBatches(String topic) throws Exception {
        long bytes = 0;
        long batches = 0;
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path f : files.filter(f -> f.getParent().getFileName().toString().startsWith(topic + "-")
                    && f.toString().endsWith(".log")).toList()) {
                try (FileRecords records = FileRecords.open(new File(f.toString()))) {
                    for (var b : records.batches()) {
                        bytes += b.sizeInBytes();
                        batches++;
                    }
                }
            }
        }
        return new long[] {bytes, batches};
    }

    /** GET /metrics: each sample line's name and labels, to its value. */
    private static Map<String, Double> scrape() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + broker.metricsPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    private static double sum(Map<String, Double> samples, String prefix) {
        return samples.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToDouble(Map.Entry::getValue).sum();
    }

    private static double attribute(ObjectName name, String attribute) {
        try {
            return ((Number) JMX.getAttribute(name, attribute)).doubleValue();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until " + what);
            Thread.sleep(200);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(p);
    }
}
