package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
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
        Map<String, Long> expected = new HashMap<>();
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int round = 0; round < 50; round++) {
                for (String line : WordCount.SENTENCES) {
                    p.send(new ProducerRecord<>("lines", line));
                    WordCount.count(line, expected);
                }
            }
        }
        Properties props = WordCount.config(broker.bootstrap(), "word-count", stateDir, StreamsConfig.AT_LEAST_ONCE);
        // when
        try (KafkaStreams streams = new KafkaStreams(WordCount.topology("lines", "counts"), props); Admin admin = broker.admin()) {
            streams.start();
            awaitEverythingProcessed(admin, "word-count", Duration.ofSeconds(90));
            // then: the last count of each word in "counts" is its exact total; no other word is there
            assertEquals(expected, WordCount.lastCounts(broker.bootstrap(), "counts", 2, false), "final count of every word");
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
}
