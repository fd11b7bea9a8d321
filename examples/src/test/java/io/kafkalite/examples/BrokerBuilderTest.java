package io.kafkalite.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.broker.Broker;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/** The embedding API on its own: a broker in memory on a free port, for as long as the try block runs. */
class BrokerBuilderTest {
    @Test
    void producedRecordsAreConsumedInOrder() throws Exception {
        try (Broker broker = Broker.builder().inMemory().topic("orders", 1).start();
             KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), Map.of());
             KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), "billing", Map.of())) {
            // given
            RecordMetadata first = producer.send(new ProducerRecord<>("orders", "o-1", "2 apples")).get();
            RecordMetadata second = producer.send(new ProducerRecord<>("orders", "o-2", "3 pears")).get();

            // when
            consumer.subscribe(List.of("orders"));
            List<ConsumerRecord<String, String>> records = Clients.poll(consumer, 2);

            // then
            assertEquals(List.of(0L, 1L), List.of(first.offset(), second.offset()));
            assertEquals(List.of("o-1=2 apples@0", "o-2=3 pears@1"),
                    records.stream().map(r -> r.key() + "=" + r.value() + "@" + r.offset()).toList());
        }
    }
}
