package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.SlowDiskHooks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow disk (a second of latency on every fsync, with flush.messages=1 so each produce waits for one)
 * stalls only the produces that wait for it: Metadata on another connection is answered in
 * milliseconds and a consumer group's heartbeats keep it stable, with no rebalance.
 */
@Isolated // kills or starves brokers: timing must not depend on what runs beside it
@Timeout(120)
class SlowDiskTest {
    @TempDir
    Path dir;

    @Test
    void aSlowFsyncDelaysNeitherMetadataNorHeartbeatsOfOtherConnections() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, Map.of("group.initial.rebalance.delay.ms", "0",
                "num.network.threads", "1"))) { // every connection on one event loop, where a blocking handler would show
            try (var admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic("slow", 1, (short) 1).configs(Map.of("flush.messages", "1")),
                        new NewTopic("other", 2, (short) 1))).all().get();
            }
            AtomicInteger assignments = new AtomicInteger();
            AtomicInteger revocations = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            List<String> consumed = new CopyOnWriteArrayList<>();
            Thread member = new Thread(() -> {
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(broker.bootstrap()))) {
                    consumer.subscribe(List.of("other"), new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                            if (!partitions.isEmpty()) {
                                revocations.incrementAndGet();
                            }
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            assignments.incrementAndGet();
                        }
                    });
                    while (!stop.get()) {
                        consumer.poll(Duration.ofMillis(50)).forEach(r -> consumed.add(r.value()));
                    }
                }
            });
            member.start();
            long deadline = System.currentTimeMillis() + 30_000;
            while (assignments.get() == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, assignments.get(), "the member joined");
            SlowDiskHooks.fsyncDelayMs(1000);
            try (KafkaProducer<String, String> slowProducer = broker.producer(Map.of(ProducerConfig.ACKS_CONFIG, "1"));
                 KafkaProducer<String, String> otherProducer = broker.producer(Map.of());
                 RawClient metadataClient = new RawClient(broker.port())) {
                // when: produces wait for slow fsyncs in the background
                List<Long> produceMillis = new CopyOnWriteArrayList<>();
                Thread slowLoad = new Thread(() -> {
                    for (int i = 0; i < 4; i++) {
                        long start = System.nanoTime();
                        try {
                            slowProducer.send(new ProducerRecord<>("slow", "v" + i)).get(30, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        produceMillis.add((System.nanoTime() - start) / 1_000_000);
                    }
                });
                slowLoad.start();
                Thread.sleep(200);
                // then: Metadata on another connection answers in milliseconds meanwhile
                List<Long> metadataMicros = new ArrayList<>();
                while (slowLoad.isAlive()) {
                    long start = System.nanoTime();
                    MetadataResponse md = metadataClient.call(new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)
                            .setAllowAutoTopicCreation(false)).build((short) 12));
                    metadataMicros.add((System.nanoTime() - start) / 1000);
                    assertEquals(2, md.topicMetadata().size());
                    Thread.sleep(20);
                }
                slowLoad.join();
                otherProducer.send(new ProducerRecord<>("other", "during")).get(10, TimeUnit.SECONDS);
                Collections.sort(metadataMicros);
                assertTrue(produceMillis.stream().allMatch(ms -> ms >= 900), "each slow produce waited for its fsync: " + produceMillis);
                assertTrue(metadataMicros.size() >= 50, "Metadata was asked throughout: " + metadataMicros.size());
                assertTrue(metadataMicros.get(metadataMicros.size() / 2) < 20_000, "median Metadata " + metadataMicros.get(metadataMicros.size() / 2) + " us");
                assertTrue(metadataMicros.get(metadataMicros.size() - 1) < 250_000, "slowest Metadata " + metadataMicros.get(metadataMicros.size() - 1) + " us");
                long consumedBy = System.currentTimeMillis() + 10_000;
                while (!consumed.contains("during") && System.currentTimeMillis() < consumedBy) {
                    Thread.sleep(20);
                }
                assertTrue(consumed.contains("during"), "the member kept consuming");
                assertEquals(1, assignments.get(), "no rebalance: heartbeats were answered in time");
                assertEquals(0, revocations.get());
            } finally {
                SlowDiskHooks.fsyncDelayMs(0);
                stop.set(true);
                member.join(30_000);
            }
        }
    }

    private static Properties consumerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "slow-disk-group");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "100");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }
}
