package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.broker.Broker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incremental fetch sessions (KIP-227) with a stock consumer of 1,000 partitions, its Fetch requests counted
 * by a proxy; and the session errors over the raw protocol.
 */
@Timeout(120)
class IncrementalFetchTest {
    private static final Logger log = LoggerFactory.getLogger(IncrementalFetchTest.class);
    private static final int PARTITIONS = 1000;
    private static CountingProxy proxy;
    private static Broker broker;

    @BeforeAll
    static void start() throws Exception {
        proxy = new CountingProxy(ApiKeys.FETCH);
        broker = Broker.builder().inMemory().port(TestBroker.freePort())
                .config("advertised.listeners", "PLAINTEXT://localhost:" + proxy.port()).start();
        proxy.start(broker.port());
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
        proxy.close();
    }

    @Test
    void aConsumerOf1000PartitionsSendsSmallFetchesAfterTheFirstAndReadsEverything() throws Exception {
        // given: one topic of 1,000 partitions, created quickly, with 3 records in each
        long start = System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("wide", PARTITIONS, (short) 1))).all().get();
        }
        long createMs = (System.nanoTime() - start) / 1_000_000;
        log.info("Created 1000 partitions in {} ms", createMs);
        assertTrue(createMs < 15_000, "1000 partitions took " + createMs + " ms");
        produce(0, 3);

        try (KafkaConsumer<String, String> consumer = consumer()) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                all.add(new TopicPartition("wide", p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);

            // when: the consumer reads everything
            consumeAndCheck(consumer, 0, 3);
            List<Integer> first = proxy.sizes();
            int full = first.get(0);
            assertTrue(full > PARTITIONS * 20, "the first fetch names all 1000 partitions: " + full + " bytes");

            // then: after the fetch that moves every partition's offset on (it names all 1000 again), idle polls
            // send tiny incremental fetches
            assertTrue(consumer.poll(Duration.ofSeconds(1)).isEmpty());
            proxy.reset();
            long until = System.currentTimeMillis() + 2_000;
            while (System.currentTimeMillis() < until) {
                assertTrue(consumer.poll(Duration.ofMillis(200)).isEmpty());
            }
            List<Integer> idle = proxy.sizes();
            log.info("First Fetch request {} bytes; then while reading {}; idle {}", full, first.subList(1, first.size()), idle);
            assertTrue(idle.size() >= 2, "idle fetches: " + idle);
            for (int size : idle) {
                assertTrue(size * 20 < full, "an idle incremental fetch of " + size + " bytes vs the full one of " + full);
            }

            // and: new records in every partition still arrive, through the session
            produce(3, 2);
            consumeAndCheck(consumer, 3, 2);
        }
    }

    @Test
    void sessionErrorsAndSessionsOutliveTheirConnection() throws Exception {
        Uuid id;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("raw-sessions", 3, (short) 1))).all().get();
            id = admin.describeTopics(List.of("raw-sessions")).allTopicNames().get().get("raw-sessions").topicId();
        }
        int session;
        try (RawClient client = new RawClient(broker.port())) {
            FetchResponse full = client.call(fetch(17, 0, 0, id));
            assertEquals(Errors.NONE, full.error());
            session = full.sessionId();
            assertNotEquals(0, session, "a full fetch at epoch 0 gets a session");
            assertEquals(3, full.data().responses().get(0).partitions().size());

            FetchResponse wrongEpoch = client.call(fetch(17, session, 5, null));
            assertEquals(Errors.INVALID_FETCH_SESSION_EPOCH, wrongEpoch.error());
            assertEquals(0, wrongEpoch.sessionId());
            FetchResponse unknown = client.call(fetch(17, session ^ 0x5a5a5a, 1, null));
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND, unknown.error());
            assertEquals(Errors.FETCH_SESSION_TOPIC_ID_ERROR, client.<FetchResponse>call(fetch(12, session, 1, null)).error(),
                    "a session by topic id cannot go on by name");
        }
        try (RawClient reconnected = new RawClient(broker.port())) {
            FetchResponse inc = reconnected.call(fetch(17, session, 1, null));
            assertEquals(Errors.NONE, inc.error(), "the session outlives its connection");
            assertEquals(session, inc.sessionId());
            assertTrue(inc.data().responses().isEmpty(), "nothing new: no partitions");

            FetchResponse close = reconnected.call(fetch(17, session, -1, id));
            assertEquals(Errors.NONE, close.error());
            assertEquals(0, close.sessionId());
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND, reconnected.<FetchResponse>call(fetch(17, session, 2, null)).error());
        }
    }

    @Test
    void aFullCacheDeclinesNewSessions() throws Exception {
        try (Broker small = Broker.builder().inMemory().config("max.incremental.fetch.session.cache.slots", "2").start()) {
            small.createTopic("raw-sessions", 3);
            Uuid id;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, small.bootstrapServers()))) {
                id = admin.describeTopics(List.of("raw-sessions")).allTopicNames().get().get("raw-sessions").topicId();
            }
            try (RawClient client = new RawClient(small.port())) {
                int first = client.<FetchResponse>call(fetch(17, 0, 0, id)).sessionId();
                int second = client.<FetchResponse>call(fetch(17, 0, 0, id)).sessionId();
                FetchResponse third = client.call(fetch(17, 0, 0, id));
                assertNotEquals(0, first);
                assertNotEquals(0, second);
                assertEquals(Errors.NONE, third.error());
                assertEquals(0, third.sessionId(), "two young sessions of the same size fill the cache: declined");
                assertEquals(3, third.data().responses().get(0).partitions().size(), "answered in full all the same");

                assertEquals(0, client.<FetchResponse>call(fetch(17, first, -1, id)).sessionId(), "epoch -1 closes the first");
                assertNotEquals(0, client.<FetchResponse>call(fetch(17, 0, 0, id)).sessionId(), "its slot is free again");
            }
        }
    }

    private static FetchRequest fetch(int version, int session, int epoch, Uuid topicId) {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                .setSessionId(session).setSessionEpoch(epoch);
        if (topicId != null) {
            FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopicId(topicId).setTopic("raw-sessions");
            for (int p = 0; p < 3; p++) {
                t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0).setPartitionMaxBytes(1 << 16));
            }
            data.topics().add(t);
        }
        return new FetchRequest(data, (short) version);
    }

    private static String bootstrap() {
        return "localhost:" + proxy.port();
    }

    private static void produce(int fromOffset, int perPartition) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < perPartition; i++) {
                for (int part = 0; part < PARTITIONS; part++) {
                    producer.send(new ProducerRecord<>("wide", part, null, part + ":" + (fromOffset + i)));
                }
            }
            producer.flush();
        }
    }

    private static KafkaConsumer<String, String> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Reads {@code perPartition} records from each partition and checks each one's offset and value. */
    private static void consumeAndCheck(KafkaConsumer<String, String> consumer, int fromOffset, int perPartition) {
        Map<Integer, Integer> next = new HashMap<>();
        int expected = PARTITIONS * perPartition;
        int seen = 0;
        long deadline = System.currentTimeMillis() + 60_000;
        while (seen < expected && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                int offset = next.getOrDefault(r.partition(), fromOffset);
                assertEquals(offset, r.offset(), "offset in partition " + r.partition());
                assertEquals(r.partition() + ":" + offset, r.value());
                next.put(r.partition(), offset + 1);
                seen++;
            }
        }
        assertEquals(expected, seen);
        for (int p = 0; p < PARTITIONS; p++) {
            assertEquals(fromOffset + perPartition, next.get(p), "partition " + p);
        }
    }
}
