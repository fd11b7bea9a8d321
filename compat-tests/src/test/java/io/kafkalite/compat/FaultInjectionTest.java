package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.broker.Broker;
import io.kafkalite.broker.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each fault of {@code Broker.faults()} and how the stock Java clients react to it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultInjectionTest {
    private Broker broker;

    @BeforeEach
    void start() {
        broker = Broker.builder().inMemory().topic("orders", 1).topic("other", 1).start();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void idempotentProducerRetriesThroughNotLeaderErrorsAndWritesEachRecordOnce() throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        Fault fault;
        // a batch per record and up to five requests in flight: batches behind a failed one arrive out of sequence and are
        // refused (OUT_OF_ORDER_SEQUENCE_NUMBER), so the producer must resend them in order
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 1, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5))) {
            // given: the broker knows the producer (as Kafka, it takes any first sequence from a producer it does not know)
            sent.add(producer.send(new ProducerRecord<>("orders", "v0")));
            sent.get(0).get();
            fault = broker.faults().on("PRODUCE").topic("orders").partition(0).failNext(3, "NOT_LEADER_OR_FOLLOWER");
            // when
            for (int i = 1; i < 20; i++) {
                sent.add(producer.send(new ProducerRecord<>("orders", "v" + i)));
            }
            producer.flush();
        }
        // then
        assertEquals(3, fault.hits());
        for (int i = 0; i < 20; i++) {
            assertEquals(i, sent.get(i).get().offset(), "record " + i + " acknowledged at its offset");
        }
        assertEquals(values(20), read("orders", 20), "each record once, in order");
        assertEquals(20L, endOffset("orders"));
    }

    @Test
    void producerWithoutRetriesGetsTheError() throws Exception {
        // given
        broker.faults().on("PRODUCE").failNext(1, "NOT_LEADER_OR_FOLLOWER");
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
            // when
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>("orders", "lost")).get());
            RecordMetadata next = producer.send(new ProducerRecord<>("orders", "kept")).get();
            // then
            assertInstanceOf(NotLeaderOrFollowerException.class, e.getCause());
            assertEquals(0, next.offset(), "the failed record was not written");
        }
        assertEquals(List.of("kept"), read("orders", 1));
    }

    @Test
    void fetchDelayShowsInPollLatency() throws Exception {
        // given
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            producer.send(new ProducerRecord<>("orders", "v0")).get();
        }
        long undelayedMs = millisToFirstRecord();
        // when
        Fault fault = broker.faults().on("FETCH").delay(Duration.ofSeconds(3)); // well above a consumer's start on a busy machine
        long delayedMs = millisToFirstRecord();
        // then
        assertTrue(fault.hits() >= 1);
        assertTrue(delayedMs >= 3000, "a poll waits for the delayed fetch: " + delayedMs + " ms");
        assertTrue(undelayedMs < 3000, "without the delay the record comes sooner: " + undelayedMs + " ms");
    }

    @Test
    void joinGroupErrorIsRetriedAndTheGroupStillForms() throws Exception {
        // given
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            producer.send(new ProducerRecord<>("orders", "v0")).get();
        }
        Fault fault = broker.faults().on("JOIN_GROUP").group("g1").failNext(2, "REBALANCE_IN_PROGRESS");
        // when
        List<String> consumed = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g1"))) {
            consumer.subscribe(List.of("orders"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (consumed.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> consumed.add(r.value()));
            }
            // then
            assertEquals(List.of("v0"), consumed);
            assertEquals(2, fault.hits());
            assertEquals(List.of(new TopicPartition("orders", 0)), new ArrayList<>(consumer.assignment()));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("g1")).all().get().get("g1");
                assertEquals(GroupState.STABLE, group.groupState());
                assertEquals(1, group.members().size());
            }
        }
    }

    @Test
    void droppedConnectionMakesTheProducerReconnectAndTheRecordLandsOnce() throws Exception {
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            // given
            producer.send(new ProducerRecord<>("orders", "before")).get();
            double connections = connectionsCreated(producer);
            Fault fault = broker.faults().on("PRODUCE").dropConnection();
            // when
            RecordMetadata sent = producer.send(new ProducerRecord<>("orders", "after")).get();
            // then
            assertEquals(1, fault.hits());
            assertEquals(1, sent.offset());
            assertTrue(connectionsCreated(producer) > connections, "the producer opened a new connection");
        }
        assertEquals(List.of("before", "after"), read("orders", 2));
        assertEquals(2L, endOffset("orders"));
    }

    @Test
    void lostResponseIsRetriedAndIdempotenceKeepsTheRecordOnce() throws Exception {
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            // given
            producer.send(new ProducerRecord<>("orders", "before")).get();
            Fault fault = broker.faults().on("PRODUCE").dropResponse();
            // when: the broker writes the record, then closes instead of answering; the producer sends it again
            RecordMetadata sent = producer.send(new ProducerRecord<>("orders", "after")).get();
            // then
            assertEquals(1, fault.hits());
            assertEquals(1, sent.offset());
        }
        assertEquals(List.of("before", "after"), read("orders", 2));
        assertEquals(2L, endOffset("orders"), "no duplicate");
    }

    @Test
    void stallMakesTheClientTimeOutAndItRecoversAfterClear() throws Exception {
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 1500))) {
            // given
            producer.send(new ProducerRecord<>("orders", "before")).get();
            Fault fault = broker.faults().on("PRODUCE").stall();
            // when
            long start = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>("orders", "stalled")).get());
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            broker.faults().clear();
            RecordMetadata after = producer.send(new ProducerRecord<>("orders", "after")).get();
            // then
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertTrue(waitedMs >= 1000, "the client waited request.timeout.ms: " + waitedMs + " ms");
            assertEquals(1, fault.hits());
            assertFalse(fault.isActive());
            // as with a real broker that hangs: the timed-out record may or may not be written (clear() hands a stalled
            // request to its handler if the broker has not yet seen its connection close), but never twice
            assertTrue(after.offset() >= 1);
            List<String> written = new ArrayList<>(read("orders", (int) endOffset("orders")));
            written.sort(null);
            assertTrue(written.equals(List.of("after", "before")) || written.equals(List.of("after", "before", "stalled")), written.toString());
        }
    }

    @Test
    void stalledRetryingProducerCompletesOnceCleared() throws Exception {
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20000))) {
            // given
            producer.send(new ProducerRecord<>("orders", "before")).get();
            Fault fault = broker.faults().on("PRODUCE").stall();
            // when
            Future<RecordMetadata> stalled = producer.send(new ProducerRecord<>("orders", "stalled"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fault.hits() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            // then: it timed out and sent again, and is still waiting
            assertTrue(fault.hits() >= 2, "the producer gave up on the stalled request and retried: " + fault.hits());
            assertFalse(stalled.isDone());
            broker.faults().clear();
            assertEquals(1, stalled.get(10, TimeUnit.SECONDS).offset());
        }
        assertEquals(List.of("before", "stalled"), read("orders", 2));
        assertEquals(2L, endOffset("orders"), "written once");
    }

    @Test
    void closingTheBrokerReleasesStalledRequests() {
        // given: a consumer whose fetch is stalled
        Fault fault = broker.faults().on("FETCH").stall();
        try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
            consumer.assign(List.of(new TopicPartition("orders", 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fault.hits() == 0 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100));
            }
            assertEquals(1, fault.hits());
            // when
            long start = System.nanoTime();
            broker.close();
            // then
            long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closeMs < 5000, "close took " + closeMs + " ms");
        }
    }

    @Test
    void topicFilterAffectsOnlyThatTopic() throws Exception {
        // given
        Fault produceFault = broker.faults().on("PRODUCE").topic("orders").fail("NOT_LEADER_OR_FOLLOWER");
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.LINGER_MS_CONFIG, 50))) {
            // when: one Produce request carries both topics
            Future<RecordMetadata> failed = producer.send(new ProducerRecord<>("orders", "lost"));
            Future<RecordMetadata> written = producer.send(new ProducerRecord<>("other", "o0"));
            // then
            assertEquals(0, written.get().offset());
            ExecutionException e = assertThrows(ExecutionException.class, failed::get);
            assertInstanceOf(NotLeaderOrFollowerException.class, e.getCause());
            assertTrue(produceFault.hits() >= 1);
            broker.faults().clear();
            producer.send(new ProducerRecord<>("orders", "v0")).get();
            producer.send(new ProducerRecord<>("other", "o1")).get();
        }
        // and the same for a consumer's fetch of both topics
        Fault fetchFault = broker.faults().on("FETCH").topic("orders").fail("NOT_LEADER_OR_FOLLOWER");
        try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
            List<TopicPartition> both = List.of(new TopicPartition("orders", 0), new TopicPartition("other", 0));
            consumer.assign(both);
            consumer.seekToBeginning(both);
            List<String> beforeClear = pollUntil(consumer, 2);
            assertEquals(List.of("o0", "o1"), beforeClear, "the other topic is read while orders fails");
            assertTrue(fetchFault.hits() >= 1);
            broker.faults().clear();
            assertEquals(List.of("v0"), pollUntil(consumer, 1), "orders is read once cleared");
        }
    }

    /** Opens a consumer, reads "orders" from the beginning, and returns how long the first record took. */
    private long millisToFirstRecord() {
        try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
            long start = System.nanoTime();
            List<TopicPartition> orders = List.of(new TopicPartition("orders", 0));
            consumer.assign(orders);
            consumer.seekToBeginning(orders);
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            while (records.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                records = consumer.poll(Duration.ofMillis(100));
            }
            assertFalse(records.isEmpty());
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
    }

    /** Polls until {@code count} records came (or 15 s passed), then 200 ms more, so that a surplus shows too. */
    private static List<String> pollUntil(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (values.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
        }
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        return values;
    }

    private static double connectionsCreated(KafkaProducer<?, ?> producer) {
        return producer.metrics().entrySet().stream()
                .filter(m -> m.getKey().name().equals("connection-creation-total") && m.getKey().group().equals("producer-metrics"))
                .mapToDouble(m -> (Double) m.getValue().metricValue()).sum();
    }

    private List<String> read(String topic, int expected) {
        try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
            return Records.readAll(consumer, Records.partitions(topic, 1), expected, Duration.ofSeconds(10)).stream()
                    .map(ConsumerRecord::value).toList();
        }
    }

    private long endOffset(String topic) {
        try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static List<String> values(int n) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values.add("v" + i);
        }
        return values;
    }

    private KafkaProducer<String, String> producer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"));
        config.putAll(overrides);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private KafkaConsumer<String, String> consumer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        config.putAll(overrides);
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }
}
