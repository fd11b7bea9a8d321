package io.kafkalite.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.broker.Broker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On disk, the store's index lives in LMDB, whose native library comes out of the shaded jar. */
class OnDiskTest {
    @Test
    void recordsAndCommittedOffsetsSurviveARestart(@TempDir Path dataDir) throws Exception {
        // given: two records, the first one consumed and committed
        try (Broker broker = Broker.builder().dataDir(dataDir).topic("events", 1).start();
             KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), Map.of())) {
            producer.send(new ProducerRecord<>("events", "a", "first")).get();
            producer.send(new ProducerRecord<>("events", "b", "second")).get();
            try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), "audit",
                    Map.of("max.poll.records", "1", "enable.auto.commit", "false"))) {
                consumer.subscribe(List.of("events"));
                assertEquals("first", Clients.poll(consumer, 1).get(0).value());
                consumer.commitSync();
            }
        }

        // when: a new broker on the same directory
        try (Broker broker = Broker.builder().dataDir(dataDir).start();
             KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), "audit", Map.of())) {
            consumer.subscribe(List.of("events"));

            // then: the group resumes after the committed record
            assertEquals(List.of("second@1"), Clients.poll(consumer, 1).stream().map(r -> r.value() + "@" + r.offset()).toList());
        }
    }
}
