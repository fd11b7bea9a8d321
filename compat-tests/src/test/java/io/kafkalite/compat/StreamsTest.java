package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props); Admin admin = broker.admin()) {
            streams.start();
            awaitEverythingProcessed(admin, "word-count", Duration.ofSeconds(90));
            // then: the last count of each word in "counts" is its exact total; no other word is there
            assertEquals(expected, lastValues("counts", 2), "final count of every word");
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
            var topics = admin.listTopics().names().get();
            assertTrue(topics.stream().anyMatch(t -> t.startsWith("word-count-") && t.endsWith("-repartition")), topics.toString());
            assertTrue(topics.stream().anyMatch(t -> t.startsWith("word-count-") && t.endsWith("-changelog")), topics.toString());
        }
    }

    /**
     * Waits until the application's group has committed the end offset of every partition of "lines" and of
     * its repartition topic, at one moment. Streams flushes its output (and caches) before it commits, so
     * from then on every count it will ever write is in "counts".
     */
    static void awaitEverythingProcessed(Admin admin, String group, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> committed = Map.of();
        Map<TopicPartition, Long> ends = Map.of();
        while (System.nanoTime() < deadline) {
            committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .filter(e -> e.getValue() != null).collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            List<TopicPartition> inputs = new ArrayList<>(Records.partitions("lines", 2));
            admin.listTopics().names().get().stream().filter(t -> t.startsWith(group + "-") && t.endsWith("-repartition"))
                    .forEach(t -> inputs.addAll(Records.partitions(t, 2)));
            ends = admin.listOffsets(inputs.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get()
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            Map<TopicPartition, Long> done = committed;
            if (inputs.size() == 4 && ends.entrySet().stream().allMatch(e -> done.getOrDefault(e.getKey(), 0L).equals(e.getValue()))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the streams application did not commit the end of its inputs within " + timeout
                + "; ends " + ends + ", committed " + committed);
    }

    /** Reads {@code topic} up to its current end and gives the last value of each key. */
    static Map<String, Long> lastValues(String topic, int partitions) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
        Map<String, Long> last = new HashMap<>();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> tps = Records.partitions(topic, partitions);
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                assertTrue(System.nanoTime() < deadline, () -> "could not read " + topic + " to its end " + ends + " in 30 s");
                for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
                    last.put(r.key(), r.value());
                }
            }
        }
        return last;
    }
}
