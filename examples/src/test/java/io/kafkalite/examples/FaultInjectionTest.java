package io.kafkalite.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkalite.broker.Broker;
import io.kafkalite.broker.Fault;
import io.kafkalite.junit.KafkaliteExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The broker misbehaves on purpose; the tests check how the stock client copes. A fresh broker per test. */
class FaultInjectionTest {
    @RegisterExtension
    final KafkaliteExtension kafka = new KafkaliteExtension().topic("orders", 1);

    @Test
    void producerRetriesARetriableError() throws Exception {
        // given: the next two produce requests for orders fail as if the leader had moved
        Broker broker = kafka.broker();
        Fault notLeader = broker.faults().on("PRODUCE").topic("orders").failNext(2, "NOT_LEADER_OR_FOLLOWER");

        // when
        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), Map.of("retry.backoff.ms", "10"))) {
            sent = producer.send(new ProducerRecord<>("orders", "o-1", "created")).get();
        }

        // then: the third attempt is written, once
        assertEquals(2, notLeader.hits());
        assertEquals(0, sent.offset());
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), "check", Map.of())) {
            consumer.subscribe(List.of("orders"));
            assertEquals(List.of("created"), Clients.poll(consumer, 1).stream().map(r -> r.value()).toList());
        }
    }

    @Test
    void nonRetriableErrorReachesTheCaller() {
        Broker broker = kafka.broker();
        broker.faults().on("PRODUCE").failNext(1, "TOPIC_AUTHORIZATION_FAILED");

        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), Map.of())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("orders", "o-2", "refused")).get());
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
        }
    }

    @Test
    void producerReconnectsAfterADroppedConnection() throws Exception {
        Broker broker = kafka.broker();
        Fault drop = broker.faults().on("PRODUCE").dropConnection();

        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of("retry.backoff.ms", "10", "reconnect.backoff.ms", "10"))) {
            assertEquals(0, producer.send(new ProducerRecord<>("orders", "o-3", "after reconnect")).get().offset());
        }
        assertEquals(1, drop.hits());
    }
}
