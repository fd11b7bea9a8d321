package io.kafkalite.compat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: measures a 1,000-partition consumer's Fetch request and response bytes and the broker
 * process's CPU time, idle and while 2,000 records/s arrive (bench/RESULTS.md, "Fetch sessions").
 * {@code mvn -pl compat-tests -am test -Dtest=FetchSessionBench -Dsurefire.failIfNoSpecifiedTests=false
 * -Dbench.fetchsessions=true [-Dbench.slots=0]} (0 slots: every session declined, as before sessions).
 */
@EnabledIfSystemProperty(named = "bench.fetchsessions", matches = "true")
class FetchSessionBench {
    private static final int PARTITIONS = 1000;
    private static final Duration PHASE = Duration.ofSeconds(20);

    @Test
    void measure() throws Exception {
        Path dir = Files.createTempDirectory("fetch-session-bench");
        try (CountingProxy proxy = new CountingProxy(ApiKeys.FETCH)) {
            String slots = System.getProperty("bench.slots");
            Map<String, String> extra = slots == null ? Map.of("advertised.listeners", "PLAINTEXT://localhost:" + proxy.port())
                    : Map.of("advertised.listeners", "PLAINTEXT://localhost:" + proxy.port(), "max.incremental.fetch.session.cache.slots", slots);
            try (BrokerProcess broker = BrokerProcess.start(dir, TestBroker.freePort(), dir.resolve("broker.log"), extra)) {
                proxy.start(Integer.parseInt(broker.bootstrap().split(":")[1]));
                String bootstrap = "localhost:" + proxy.port();
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                    admin.createTopics(List.of(new NewTopic("wide", PARTITIONS, (short) 1))).all().get();
                }
                try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap); KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
                    for (int p = 0; p < PARTITIONS; p++) {
                        producer.send(new ProducerRecord<>("wide", p, null, new byte[100]));
                    }
                    producer.flush();
                    List<TopicPartition> all = new ArrayList<>();
                    for (int p = 0; p < PARTITIONS; p++) {
                        all.add(new TopicPartition("wide", p));
                    }
                    consumer.assign(all);
                    consumer.seekToBeginning(all);
                    int warm = 0;
                    while (warm < PARTITIONS) {
                        warm += consumer.poll(Duration.ofMillis(500)).count();
                    }
                    consumer.poll(Duration.ofSeconds(1)); // the fetch that moves every partition's offset on is not idle
                    phase("idle", broker, proxy, consumer, null);
                    phase("busy", broker, proxy, consumer, producer);
                }
                broker.terminate();
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Polls for {@link #PHASE}, with 2,000 records/s produced to random partitions when a producer is given. */
    private static void phase(String name, BrokerProcess broker, CountingProxy proxy, KafkaConsumer<byte[], byte[]> consumer,
                              KafkaProducer<byte[], byte[]> producer) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread load = new Thread(() -> {
            while (producer != null && !stop.get()) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>("wide", ThreadLocalRandom.current().nextInt(PARTITIONS), null, new byte[100]));
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        proxy.reset();
        Duration cpuBefore = broker.cpu();
        long end = System.nanoTime() + PHASE.toNanos();
        load.start();
        long records = 0;
        while (System.nanoTime() < end) {
            records += consumer.poll(Duration.ofMillis(100)).count();
        }
        stop.set(true);
        load.join();
        Duration cpu = broker.cpu().minus(cpuBefore);
        List<Integer> sizes = proxy.sizes();
        long requestBytes = sizes.stream().mapToLong(Integer::longValue).sum();
        System.err.printf("BENCH %s: %d s, broker CPU %d ms, %d fetches, request bytes %d (avg %d), response bytes %d (avg %d), records %d%n",
                name, PHASE.toSeconds(), cpu.toMillis(), sizes.size(), requestBytes, requestBytes / Math.max(1, sizes.size()),
                proxy.responseBytes(), proxy.responseBytes() / Math.max(1, sizes.size()), records);
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
