package io.kafkalite.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.broker.Broker;
import io.kafkalite.junit.EmbeddedKafkalite;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The JUnit 5 extension: one broker for the class, its topics created up front, injected into each test. */
@EmbeddedKafkalite(topics = "payments:3")
class ExtensionTest {
    @Test
    void recordsWithTheSameKeyShareAPartition(Broker broker) throws Exception {
        // given
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), Map.of())) {
            for (int i = 0; i < 6; i++) {
                producer.send(new ProducerRecord<>("payments", "account-" + (i % 2), "payment-" + i)).get();
            }
        }

        // when
        List<ConsumerRecord<String, String>> records;
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), "ledger", Map.of())) {
            consumer.subscribe(List.of("payments"));
            records = Clients.poll(consumer, 6);
        }

        // then: per key, one partition and the order of sending
        Map<String, List<String>> valuesByKey = records.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                Collectors.mapping(ConsumerRecord::value, Collectors.toList())));
        assertEquals(Map.of("account-0", List.of("payment-0", "payment-2", "payment-4"),
                "account-1", List.of("payment-1", "payment-3", "payment-5")), valuesByKey);
        records.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                Collectors.mapping(ConsumerRecord::partition, Collectors.toSet())))
                .forEach((key, partitions) -> assertEquals(1, partitions.size(), key + " is in partitions " + partitions));
    }
}
