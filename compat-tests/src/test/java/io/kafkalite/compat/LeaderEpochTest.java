package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * OffsetForLeaderEpoch (KIP-320): stock consumers validate their positions with it, across a broker restart, and
 * detect a committed offset beyond the log's end; and its exact answers on a bare socket.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LeaderEpochTest {
    private static final String TOPIC = "epochs";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;

    @Test
    void consumersValidateTheirPositionsAcrossARestart() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, Map.of("group.initial.rebalance.delay.ms", "0"))) {
            // given: 10 records consumed and committed (with their leader epoch) by a consumer that stays open
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            produce(broker, 0, 10);
            try (KafkaConsumer<String, String> running = consumer(broker, "g", "earliest")) {
                running.subscribe(List.of(TOPIC));
                assertEquals(offsets(0, 10), poll(running, 10));
                running.commitSync();
                assertEquals(Optional.of(0), running.committed(java.util.Set.of(TP)).get(TP).leaderEpoch());

                // when: the broker restarts and 5 more records arrive
                broker.restart();
                produce(broker, 10, 5);

                // then: the open consumer goes on where it was
                assertEquals(offsets(10, 5), poll(running, 5));
            }
            // and a new one starts at the committed offset after validating it; with no reset policy a reset would throw
            try (KafkaConsumer<String, String> restarted = consumer(broker, "g", "none")) {
                restarted.subscribe(List.of(TOPIC));
                assertEquals(offsets(10, 5), poll(restarted, 5));
            }

            // when: a committed offset lies beyond the log's end (a log that lost its tail)
            try (Admin admin = broker.admin()) {
                admin.alterConsumerGroupOffsets("lost", Map.of(TP, new OffsetAndMetadata(100, Optional.of(0), ""))).all().get();
            }
            try (KafkaConsumer<String, String> lost = consumer(broker, "lost", "none")) {
                lost.assign(List.of(TP));
                // then: the consumer learns the end of epoch 0 from OffsetForLeaderEpoch and reports the truncation
                LogTruncationException e = assertThrows(LogTruncationException.class, () -> {
                    long deadline = System.currentTimeMillis() + 30_000;
                    while (System.currentTimeMillis() < deadline) {
                        lost.poll(Duration.ofMillis(200));
                    }
                });
                assertEquals(15, e.divergentOffsets().get(TP).offset());
                assertEquals(Optional.of(0), e.divergentOffsets().get(TP).leaderEpoch());
            }
        }
    }

    @Test
    void endOffsetsPerEpochOnTheWire() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, Map.of())) {
            // given
            try (Admin admin = broker.admin()) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            produce(broker, 0, 7);
            try (RawClient client = new RawClient(broker.port())) {
                for (short version = 3; version <= 4; version++) { // consumers send v3+ (kafka-clients builds no v2)
                    // when
                    OffsetForLeaderTopicCollection topics = new OffsetForLeaderTopicCollection();
                    OffsetForLeaderTopic topic = new OffsetForLeaderTopic().setTopic(TOPIC);
                    topic.partitions().add(new OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0).setCurrentLeaderEpoch(0));
                    topics.add(topic);
                    OffsetForLeaderTopic more = new OffsetForLeaderTopic().setTopic("unknown-topic");
                    more.partitions().add(new OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0));
                    topics.add(more);
                    OffsetsForLeaderEpochResponse r = client.call(OffsetsForLeaderEpochRequest.Builder.forConsumer(topics).build(version));

                    // then: epoch 0 ends at the log end
                    EpochEndOffset answer = r.data().topics().find(TOPIC).partitions().get(0);
                    assertEquals(Errors.NONE.code(), answer.errorCode(), "v" + version);
                    assertEquals(0, answer.leaderEpoch());
                    assertEquals(7, answer.endOffset());
                    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), r.data().topics().find("unknown-topic").partitions().get(0).errorCode());
                }
                // an epoch the log never had, a leader epoch from the future, an unknown partition
                assertEquals(List.of(Errors.NONE.code(), Errors.UNKNOWN_LEADER_EPOCH.code(), Errors.UNKNOWN_TOPIC_OR_PARTITION.code()),
                        ask(client, List.of(new OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(3).setCurrentLeaderEpoch(-1),
                                new OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0).setCurrentLeaderEpoch(1),
                                new OffsetForLeaderPartition().setPartition(9).setLeaderEpoch(0))).stream().map(EpochEndOffset::errorCode).toList());
                EpochEndOffset unknownEpoch = ask(client, List.of(new OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(3))).get(0);
                assertEquals(-1, unknownEpoch.leaderEpoch());
                assertEquals(-1, unknownEpoch.endOffset());
            }
        }
    }

    private static List<EpochEndOffset> ask(RawClient client, List<OffsetForLeaderPartition> partitions) throws Exception {
        List<EpochEndOffset> answers = new ArrayList<>();
        for (OffsetForLeaderPartition p : partitions) { // one request each: partitions of a topic are keyed by index
            OffsetForLeaderTopicCollection topics = new OffsetForLeaderTopicCollection();
            OffsetForLeaderTopic topic = new OffsetForLeaderTopic().setTopic(TOPIC);
            topic.partitions().add(p);
            topics.add(topic);
            OffsetsForLeaderEpochResponse r = client.call(OffsetsForLeaderEpochRequest.Builder.forConsumer(topics).build((short) 4));
            answers.add(r.data().topics().find(TOPIC).partitions().get(0));
        }
        return answers;
    }

    private static void produce(TestBroker broker, int from, int count) throws Exception {
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int i = from; i < from + count; i++) {
                p.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "v" + i)).get();
            }
        }
    }

    private static KafkaConsumer<String, String> consumer(TestBroker broker, String group, String reset) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    private static List<Long> poll(KafkaConsumer<String, String> consumer, int count) {
        List<Long> offsets = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (offsets.size() < count && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                assertEquals("v" + r.offset(), r.value());
                offsets.add(r.offset());
            }
        }
        return offsets;
    }

    private static List<Long> offsets(long from, int count) {
        List<Long> offsets = new ArrayList<>();
        for (long o = from; o < from + count; o++) {
            offsets.add(o);
        }
        return offsets;
    }
}
