package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Byte-rate quotas enforced on stock clients through throttle_time_ms (KIP-219): a producer and a consumer
 * whose client id has a 100 KB/s quota and that go as fast as they can get about that rate and see throttle
 * time in their own metrics; another client id is not throttled; removing the quota lifts the throttle.
 * <p>The broker runs with {@code quota.window.num=2}: with Kafka's default 11 one-second samples, a new client's
 * first ten seconds' worth of quota passes at once (the rate is taken over at least ten windows, on Kafka too),
 * which a run of a few seconds cannot average out. The rates are measured from 2 s after the first answer.
 * The consumer fetches at most 16 KB per partition: as on Kafka, a fetch is counted and, when that takes the rate
 * over the quota, answered empty and taken back, so fetches as large as the quota's window (the cap on
 * {@code max_bytes}) alternate with throttled ones and get about half the quota; smaller fetches get the quota.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@Isolated // it measures rates against the quotas: run alone
class ClientQuotaEnforcementTest {
    private static final int QUOTA = 100 * 1024;
    private static final byte[] VALUE = new byte[1000];

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("quota.window.num", "2"));

    @BeforeAll
    static void topics() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("produced", 1, (short) 1), new NewTopic("fetched", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.bytesProducer(Map.of(ProducerConfig.CLIENT_ID_CONFIG, "loader"))) {
            for (int i = 0; i < 3000; i++) { // 3 MB for the consumers
                producer.send(new ProducerRecord<>("fetched", VALUE));
            }
            producer.flush();
        }
    }

    private static void setQuota(String clientId, String key, Double value) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId)),
                    List.of(new ClientQuotaAlteration.Op(key, value))))).all().get();
        }
    }

    /** Times (ms since the first) at which value bytes were acknowledged or consumed. */
    private static final class Progress {
        private final List<long[]> events = Collections.synchronizedList(new ArrayList<>());
        private volatile long first;

        void add(int bytes) {
            long now = System.nanoTime() / 1_000_000;
            if (first == 0) {
                first = now;
            }
            events.add(new long[] {now - first, bytes});
        }

        /** Bytes per second between the two times. */
        double rate(long fromMs, long toMs) {
            long bytes = 0;
            synchronized (events) {
                for (long[] e : events) {
                    if (e[0] >= fromMs && e[0] < toMs) {
                        bytes += e[1];
                    }
                }
            }
            return bytes / ((toMs - fromMs) / 1000.0);
        }

        long elapsedMs() {
            return first == 0 ? 0 : System.nanoTime() / 1_000_000 - first;
        }
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(name) && e.getKey().tags().isEmpty()
                        || e.getKey().name().equals(name) && !e.getKey().tags().containsKey("topic") && !e.getKey().tags().containsKey("node-id"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).findFirst().orElseThrow();
    }

    /** Sends as fast as the producer takes records for {@code ms} after its first acknowledgement. */
    private static Progress produceFlatOut(String clientId, long ms, double[] throttleAvg) {
        Progress progress = new Progress();
        try (KafkaProducer<byte[], byte[]> producer = broker.bytesProducer(Map.of(ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 256 * 1024, ProducerConfig.LINGER_MS_CONFIG, 5))) {
            while (progress.elapsedMs() < ms) {
                producer.send(new ProducerRecord<>("produced", VALUE), (md, e) -> {
                    if (e == null) {
                        progress.add(VALUE.length);
                    }
                });
            }
            throttleAvg[0] = metric(producer.metrics(), "produce-throttle-time-avg");
            producer.close(Duration.ZERO);
        }
        return progress;
    }

    private static Progress consumeFlatOut(String clientId, long ms, double[] throttleAvg) {
        Progress progress = new Progress();
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(new TopicPartition("fetched", 0)));
            consumer.seekToBeginning(List.of(new TopicPartition("fetched", 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (progress.elapsedMs() < ms && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    progress.add(r.value().length);
                }
            }
            throttleAvg[0] = metric(consumer.metrics(), "fetch-throttle-time-avg");
        }
        return progress;
    }

    @Test
    void aProducerOverItsQuotaGetsTheQuotaAndAnotherClientIdIsNotThrottled() throws Exception {
        // given
        setQuota("slow-writer", "producer_byte_rate", (double) QUOTA);
        double[] throttle = new double[1];
        // when
        Progress slow = produceFlatOut("slow-writer", 8_000, throttle);
        // then
        double rate = slow.rate(2_000, 8_000);
        System.out.printf("producer under a %d B/s quota: %.0f B/s from 2 s to 8 s, %.0f B/s over the first 8 s, throttle avg %.0f ms%n",
                QUOTA, rate, slow.rate(0, 8_000), throttle[0]);
        assertTrue(Math.abs(rate - QUOTA) < 0.2 * QUOTA, "rate " + rate + " B/s against a quota of " + QUOTA);
        assertTrue(throttle[0] > 0, "the client saw throttle time: " + throttle[0]);

        Progress free = produceFlatOut("fast-writer", 2_000, throttle);
        System.out.printf("producer without a quota: %.0f B/s%n", free.rate(0, 2_000));
        assertTrue(free.rate(0, 2_000) > 3 * QUOTA, "not throttled: " + free.rate(0, 2_000));
        assertEquals(0.0, throttle[0], "and saw no throttle time");

        // when the quota is removed, then the same client id goes at full speed
        setQuota("slow-writer", "producer_byte_rate", null);
        Progress lifted = produceFlatOut("slow-writer", 2_000, throttle);
        System.out.printf("producer after the quota was removed: %.0f B/s%n", lifted.rate(0, 2_000));
        assertTrue(lifted.rate(0, 2_000) > 3 * QUOTA, "no longer throttled: " + lifted.rate(0, 2_000));
    }

    @Test
    void aConsumerOverItsQuotaGetsTheQuotaAndAnotherClientIdIsNotThrottled() throws Exception {
        // given
        setQuota("slow-reader", "consumer_byte_rate", (double) QUOTA);
        double[] throttle = new double[1];
        // when
        Progress slow = consumeFlatOut("slow-reader", 8_000, throttle);
        // then
        double rate = slow.rate(2_000, 8_000);
        System.out.printf("consumer under a %d B/s quota: %.0f B/s from 2 s to 8 s, %.0f B/s over the first 8 s, throttle avg %.0f ms%n",
                QUOTA, rate, slow.rate(0, 8_000), throttle[0]);
        assertTrue(Math.abs(rate - QUOTA) < 0.2 * QUOTA, "rate " + rate + " B/s against a quota of " + QUOTA);
        assertTrue(throttle[0] > 0, "the client saw throttle time: " + throttle[0]);

        Progress free = consumeFlatOut("fast-reader", 1_000, throttle);
        System.out.printf("consumer without a quota: %.0f B/s%n", free.rate(0, 1_000));
        assertTrue(free.rate(0, 1_000) > 3 * QUOTA, "not throttled: " + free.rate(0, 1_000));
        assertEquals(0.0, throttle[0], "and saw no throttle time");

        // when the quota is removed, then the same client id reads at full speed
        setQuota("slow-reader", "consumer_byte_rate", null);
        Progress lifted = consumeFlatOut("slow-reader", 1_000, throttle);
        System.out.printf("consumer after the quota was removed: %.0f B/s%n", lifted.rate(0, 1_000));
        assertTrue(lifted.rate(0, 1_000) > 3 * QUOTA, "no longer throttled: " + lifted.rate(0, 1_000));
    }
}
