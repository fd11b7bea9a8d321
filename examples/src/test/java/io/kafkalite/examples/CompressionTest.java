package io.kafkalite.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.broker.Broker;
import io.kafkalite.junit.EmbeddedKafkalite;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The broker opens compressed batches to validate them, with the codec libraries your kafka-clients brings
 * (zstd-jni, lz4-java and snappy-java are not bundled: they bind native code to their own class names).
 */
@EmbeddedKafkalite
class CompressionTest {
    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesRoundTrip(String codec, Broker broker) throws Exception {
        // given
        String topic = "compressed-" + codec;
        broker.createTopic(topic, 1);
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of("compression.type", codec, "linger.ms", "50"))) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "value " + i + " of " + codec));
            }
            producer.flush();
        }

        // when
        List<ConsumerRecord<String, String>> records;
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), "reader-" + codec, Map.of())) {
            consumer.subscribe(List.of(topic));
            records = Clients.poll(consumer, 10);
        }

        // then
        assertEquals("value 9 of " + codec, records.get(9).value());
        assertEquals(9, records.get(9).offset());
    }
}
