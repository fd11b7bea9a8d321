package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default (idempotent) stock producer writes 100,000 keyed records with headers to a 3-partition
 * topic with each codec; a consumer (assign + seekToBeginning) reads every one back with the same key,
 * value, headers and timestamp, in per-partition order with contiguous offsets.
 */
class RoundTripTest {
    static final int RECORDS = 100_000;

    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of());


    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void everyRecordComesBackIntact(String codec) throws Exception {
        // given
        String topic = "round-trip-" + codec;
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        long baseTs = System.currentTimeMillis() - 60_000;
        Map<Integer, Map<Long, Integer>> sentAt = new ConcurrentHashMap<>(); // partition -> offset -> record index
        // when
        try (KafkaProducer<byte[], byte[]> producer = broker.bytesProducer(Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (int i = 0; i < RECORDS; i++) {
                int index = i;
                RecordHeaders headers = new RecordHeaders();
                headers.add("index", bytes(String.valueOf(i)));
                headers.add("codec", bytes(codec));
                producer.send(new ProducerRecord<>(topic, null, baseTs + i, key(i), value(i), headers), (RecordMetadata md, Exception e) -> {
                    if (e == null) {
                        sentAt.computeIfAbsent(md.partition(), p -> new ConcurrentHashMap<>()).put(md.offset(), index);
                    }
                });
            }
            producer.flush();
        }
        // then
        assertEquals(RECORDS, sentAt.values().stream().mapToInt(Map::size).sum(), "every send was acknowledged");
        List<ConsumerRecord<byte[], byte[]>> read;
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer()) {
            read = Records.readAll(consumer, Records.partitions(topic, 3), RECORDS, Duration.ofSeconds(60));
        }
        assertEquals(RECORDS, read.size());
        Map<Integer, Long> nextOffset = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read) {
            long expectedOffset = nextOffset.getOrDefault(r.partition(), 0L);
            assertEquals(expectedOffset, r.offset(), "contiguous offsets in partition " + r.partition());
            nextOffset.put(r.partition(), expectedOffset + 1);
            int i = sentAt.get(r.partition()).get(r.offset());
            assertArrayEquals(key(i), r.key());
            assertArrayEquals(value(i), r.value());
            assertEquals(baseTs + i, r.timestamp());
            assertArrayEquals(bytes(String.valueOf(i)), r.headers().lastHeader("index").value());
            assertArrayEquals(bytes(codec), r.headers().lastHeader("codec").value());
        }
        List<Integer> partitionsUsed = new ArrayList<>(nextOffset.keySet());
        assertEquals(3, partitionsUsed.size(), "keys spread over all partitions");
    }

    static byte[] key(int i) {
        return bytes("key-" + i);
    }

    static byte[] value(int i) {
        return bytes("value-" + i + "-" + "x".repeat(i % 50));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
