package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default (idempotent) stock producer writes 100,000 keyed records with headers to a 3-partition
 * topic with each codec; a consumer (assign + seekToBeginning) reads every one back with the same key,
 * value, headers and timestamp; each partition holds exactly the records the default partitioner sent there,
 * in the order they were sent, at offsets 0, 1, 2, ... (the offsets the producer was told).
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
        // then: per partition, exactly the records sent there (the default partitioner: murmur2 of the key), in the
        // order they were sent, at offsets 0, 1, 2, ... as the producer was told
        Map<Integer, List<Integer>> produced = new TreeMap<>(); // partition -> record indexes in send order
        for (int i = 0; i < RECORDS; i++) {
            produced.computeIfAbsent(Utils.toPositive(Utils.murmur2(key(i))) % 3, p -> new ArrayList<>()).add(i);
        }
        assertEquals(Set.of(0, 1, 2), produced.keySet(), "keys spread over all partitions");
        Map<Integer, Map<Long, Integer>> expectedAcks = new TreeMap<>();
        produced.forEach((p, indexes) -> {
            Map<Long, Integer> byOffset = new HashMap<>();
            for (int o = 0; o < indexes.size(); o++) {
                byOffset.put((long) o, indexes.get(o));
            }
            expectedAcks.put(p, byOffset);
        });
        assertEquals(expectedAcks, new TreeMap<>(sentAt), "partition and offset of every acknowledged send");
        List<ConsumerRecord<byte[], byte[]>> read;
        try (KafkaConsumer<byte[], byte[]> consumer = broker.bytesConsumer()) {
            read = Records.readAll(consumer, Records.partitions(topic, 3), RECORDS, Duration.ofSeconds(60));
        }
        assertEquals(RECORDS, read.size());
        Map<Integer, List<Integer>> readOrder = new TreeMap<>(); // partition -> record indexes in offset order
        for (ConsumerRecord<byte[], byte[]> r : read) {
            List<Integer> sofar = readOrder.computeIfAbsent(r.partition(), p -> new ArrayList<>());
            assertEquals(sofar.size(), r.offset(), "contiguous offsets from 0 in partition " + r.partition());
            int i = Integer.parseInt(new String(r.headers().lastHeader("index").value(), StandardCharsets.UTF_8));
            sofar.add(i);
            // the record is intact (which record it is, and where, is checked below)
            assertArrayEquals(key(i), r.key(), "key at " + r.partition() + ":" + r.offset());
            assertArrayEquals(value(i), r.value(), "value at " + r.partition() + ":" + r.offset());
            assertEquals(baseTs + i, r.timestamp(), "timestamp at " + r.partition() + ":" + r.offset());
            assertArrayEquals(bytes(codec), r.headers().lastHeader("codec").value());
        }
        assertEquals(produced, readOrder, "records of each partition, in offset order, are those sent there in send order");
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
