package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Offset lookups and long polls with the stock consumer and admin client. */
@Timeout(120)
class ConsumerTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("log.segment.bytes", "1048576"));
    static final TopicPartition TP = new TopicPartition("times", 0);
    static final long BASE = System.currentTimeMillis() - 3_600_000;

    @BeforeAll
    static void start() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("times", 1, (short) 1), new NewTopic("poll", 1, (short) 1))).all().get();
        }
        // 30,000 records at BASE + 10 * i, in small batches over several segments; one late record in the middle has the max timestamp
        try (KafkaProducer<String, String> p = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.BATCH_SIZE_CONFIG, 2048))) {
            for (int i = 0; i < 30_000; i++) {
                long ts = i == 12_345 ? BASE + 3_000_000 : BASE + 10L * i;
                p.send(new ProducerRecord<>("times", 0, ts, "k" + i, "v" + i + "-".repeat(40)));
            }
            p.flush();
        }
    }

    @Test
    void beginningEndAndTimestampLookups() {
        try (KafkaConsumer<String, String> c = broker.consumer()) {
            assertEquals(0L, c.beginningOffsets(List.of(TP)).get(TP));
            assertEquals(30_000L, c.endOffsets(List.of(TP)).get(TP));
            for (int i : new int[] {0, 1, 777, 5_000, 12_344}) {
                OffsetAndTimestamp found = c.offsetsForTimes(Map.of(TP, BASE + 10L * i)).get(TP);
                assertEquals(i, found.offset(), "first record at or after the timestamp of record " + i);
                assertEquals(BASE + 10L * i, found.timestamp());
            }
            // record 12,345 is late (its timestamp is the largest), so it is the first at or after any later timestamp
            assertEquals(12_345, c.offsetsForTimes(Map.of(TP, BASE + 10L * 20_000)).get(TP).offset());
            OffsetAndTimestamp between = c.offsetsForTimes(Map.of(TP, BASE + 10L * 500 + 5)).get(TP);
            assertEquals(501, between.offset());
            assertNull(c.offsetsForTimes(Map.of(TP, BASE + 7_000_000)).get(TP), "no record that late");
        }
    }

    @Test
    void maxTimestampOffset() throws Exception {
        try (Admin admin = broker.admin()) {
            ListOffsetsResult.ListOffsetsResultInfo info = admin.listOffsets(Map.of(TP, OffsetSpec.maxTimestamp())).partitionResult(TP).get();
            assertEquals(12_345, info.offset());
            assertEquals(BASE + 3_000_000, info.timestamp());
        }
    }

    @Test
    void seekIntoTheMiddleOfABatchStartsThere() {
        try (KafkaConsumer<String, String> c = broker.consumer()) {
            c.assign(List.of(TP));
            c.seek(TP, 20_001);
            ConsumerRecords<String, String> records = c.poll(Duration.ofSeconds(5));
            assertEquals(20_001, records.iterator().next().offset());
            assertTrue(records.iterator().next().value().startsWith("v20001-"));
        }
    }

    @Test
    void longPollIsWokenByAnAppend() throws Exception {
        // given: a consumer at the log end whose fetches may wait 20 s (fetch.max.wait.ms), so only a wake-up answers early
        TopicPartition poll = new TopicPartition("poll", 0);
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20_000);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props); KafkaProducer<String, String> p = broker.producer(Map.of())) {
            c.assign(List.of(poll));
            c.seekToEnd(List.of(poll));
            c.position(poll);
            p.partitionsFor("poll"); // the producer's metadata and connection are set up before the timed send
            AtomicLong sentAt = new AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(1_000); // the consumer's fetch is parked by then
                    sentAt.set(System.nanoTime());
                    p.send(new ProducerRecord<>("poll", "k", "late")).get();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();

            // when: polling while the record is appended
            long start = System.nanoTime();
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            while (records.isEmpty() && System.nanoTime() - start < 15_000_000_000L) {
                records = c.poll(Duration.ofSeconds(15));
            }
            long receivedAt = System.nanoTime();
            writer.join();

            // then: the parked fetch was answered by the append, well before its 20 s wait
            assertFalse(records.isEmpty(), "no record within 15 s: the append did not wake the parked fetch");
            assertEquals("late", records.iterator().next().value());
            long latencyMs = (receivedAt - sentAt.get()) / 1_000_000;
            assertTrue(latencyMs < 10_000, "woken by the append, not by the 20 s max wait: " + latencyMs + " ms after the send");
        }
    }
}
