package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock Kafka Streams word count (repartition topic, compacted changelog, consumer group with the
 * streams assignor, DeleteRecords on the repartition topic) counts every word right.
 */
class StreamsTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));
    @TempDir
    Path stateDir;

    @Test
    void wordCountCountsEveryWord() throws Exception {
        // given
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("lines", 2, (short) 1), new NewTopic("counts", 2, (short) 1))).all().get();
        }
        List<String> lines = List.of("the quick brown fox", "jumps over the lazy dog", "the dog sleeps", "fox and dog");
        Map<String, Long> expected = new HashMap<>();
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int round = 0; round < 50; round++) {
                for (String line : lines) {
                    p.send(new ProducerRecord<>("lines", line));
                    Arrays.stream(line.split(" ")).forEach(w -> expected.merge(w, 1L, Long::sum));
                }
            }
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream("lines")
                .flatMapValues(line -> Arrays.asList(line.split(" ")))
                .groupBy((key, word) -> word)
                .count()
                .toStream()
                .to("counts", Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "word-count");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.String().getClass());
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.String().getClass());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // when
        Map<String, Long> latest = new HashMap<>();
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
            try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(c)) {
                consumer.assign(Records.partitions("counts", 2));
                consumer.seekToBeginning(consumer.assignment());
                long deadline = System.currentTimeMillis() + 90_000;
                while (!latest.equals(expected) && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
                        latest.put(r.key(), r.value());
                    }
                }
            }
            // then
            assertEquals(expected, latest, "final count of every word");
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
            try (Admin admin = broker.admin()) {
                var topics = admin.listTopics().names().get();
                assertTrue(topics.stream().anyMatch(t -> t.startsWith("word-count-") && t.endsWith("-repartition")), topics.toString());
                assertTrue(topics.stream().anyMatch(t -> t.startsWith("word-count-") && t.endsWith("-changelog")), topics.toString());
            }
        }
        assertTrue(Files.exists(stateDir));
    }
}
