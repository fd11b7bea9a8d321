package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's first acceptance test: 3 nodes as processes, a topic of RF 3 with min.insync.replicas=2, an idempotent
 * acks=all load and a committing consumer group member; kill -9 of partition 0's leader mid-load, 10 s more load,
 * restart. Every acknowledged record is readable at its offset, offsets are contiguous, no value is at two offsets,
 * the group continues from its committed offsets, and the restarted node rejoins the ISR.
 */
@Isolated // kills brokers, three JVMs on two cores: timing must not depend on what runs beside it
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ReplicationFailoverTest {
    private static final String TOPIC = "failover";
    private static final int PARTITIONS = 3;
    private static final String GROUP = "failover-group";

    @TempDir
    static Path dir;
    static FailoverCluster fixture;
    static ClusterProcesses cluster;
    static ClusterAdmin admin;

    @BeforeAll
    static void startCluster() throws Exception {
        fixture = FailoverCluster.start(FailoverCluster.builder("ReplicationFailoverTest", dir));
        cluster = fixture.processes();
        admin = fixture.admin();
    }

    @AfterAll
    static void stopCluster() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Every acknowledged (partition, offset, value) and every failed send. */
    private final Map<Integer, NavigableMap<Long, String>> acked = new ConcurrentHashMap<>();
    private final List<String> sendErrors = new CopyOnWriteArrayList<>();
    /** What the group member consumed, and the offsets it committed (commitSync returned). */
    private final Map<Integer, NavigableMap<Long, String>> consumed = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> committed = new ConcurrentHashMap<>();
    private final List<String> consumerErrors = new CopyOnWriteArrayList<>();

    @Test
    void killMinus9OfALeaderLosesNothingAcknowledged() throws Exception {
        admin.admin().createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                .all().get(30, TimeUnit.SECONDS);
        TopicPartition p0 = new TopicPartition(TOPIC, 0);
        admin.awaitIsr(TOPIC, PARTITIONS, 3, Duration.ofSeconds(30));

        AtomicBoolean stopProducing = new AtomicBoolean();
        AtomicBoolean stopConsuming = new AtomicBoolean();
        Thread producer = new Thread(() -> produce(stopProducing), "load-producer");
        Thread consumer = new Thread(() -> consume(stopConsuming), "group-member");
        producer.start();
        consumer.start();
        try {
            cluster.await("2000 acknowledged records and some consumed", Duration.ofSeconds(60),
                    () -> count(acked) >= 2000 && count(consumed) > 0);
            int leader = admin.awaitLeader(p0, Duration.ofSeconds(30));
            assertTrue(leader > 0, "partition 0 has a leader: " + admin.describe(List.of(TOPIC)));
            long ackedAtKill = count(acked);
            long p0EndAtKill = acked.get(0).lastKey();

            // when: kill -9 of partition 0's leader mid-load, 10 s more load
            cluster.kill9(leader);
            cluster.await("records acknowledged after node " + leader + " was killed", Duration.ofSeconds(30),
                    () -> count(acked) > ackedAtKill + 500 && acked.get(0).lastKey() > p0EndAtKill + 100);
            Thread.sleep(10_000);
            cluster.await("partition 0 led by another node than " + leader, Duration.ofSeconds(30), () -> { // leaderOf: -1 on a failed call
                int newLeader = admin.leaderOf(p0);
                return newLeader > 0 && newLeader != leader;
            });
            cluster.start(leader);
            Thread.sleep(3_000);
            stopConsuming.set(true);
            consumer.join(90_000); // its last commitSync and close may each take their 30 s timeout
            Thread.sleep(1_000); // records beyond the committed offsets, for the group's next member
            stopProducing.set(true);
            producer.join(90_000);
            assertFalse(producer.isAlive() || consumer.isAlive(), "load threads did not stop");

            // then: the restarted node catches up and rejoins the ISR
            admin.awaitIsr(TOPIC, PARTITIONS, 3, Duration.ofSeconds(30));
            assertEquals(List.of(), sendErrors, "acks=all sends that failed (the producer retries a failover)");
            Map<Integer, NavigableMap<Long, String>> log = readAll();
            assertLogHoldsAcknowledged(log);
            assertTrue(consumed.containsKey(0) && consumed.get(0).lastKey() > p0EndAtKill, "the member consumed partition 0 past the kill");
            assertConsumedIsLog(log);

            // after a preferred-leader election (the restarted node leads its partitions again): the same log
            admin.admin().electLeaders(ElectionType.PREFERRED, null).partitions().get(30, TimeUnit.SECONDS);
            assertEquals(log, readAll(), "the log read after a preferred-leader election: " + admin.describe(List.of(TOPIC)));
            assertGroupContinuesFromCommitted(log);
        } finally {
            stopProducing.set(true);
            stopConsuming.set(true);
        }
    }

    private static long count(Map<Integer, NavigableMap<Long, String>> records) {
        return records.values().stream().mapToLong(Map::size).sum();
    }

    private void produce(AtomicBoolean stop) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        Semaphore inFlight = new Semaphore(2000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            long seq = 0;
            while (!stop.get()) {
                if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                if (seq % 5 == 0) {
                    Thread.sleep(1); // about 5,000 records a second: enough load, and a full read that stays quick
                }
                String value = Long.toString(seq);
                int partition = (int) (seq++ % PARTITIONS);
                producer.send(new ProducerRecord<>(TOPIC, partition, null, value), (md, e) -> {
                    inFlight.release();
                    if (e == null) {
                        acked.computeIfAbsent(md.partition(), k -> new ConcurrentSkipListMap<>()).put(md.offset(), value);
                    } else {
                        sendErrors.add(value + " to partition " + partition + ": " + e);
                    }
                });
            }
            producer.flush();
        } catch (Exception e) {
            sendErrors.add("producer: " + e);
        }
    }

    private void consume(AtomicBoolean stop) {
        try (KafkaConsumer<String, String> c = groupMember()) {
            c.subscribe(List.of(TOPIC));
            while (!stop.get()) {
                try {
                    var records = c.poll(Duration.ofMillis(200));
                    if (records.isEmpty()) {
                        continue;
                    }
                    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                    for (ConsumerRecord<String, String> r : records) {
                        consumed.computeIfAbsent(r.partition(), k -> new ConcurrentSkipListMap<>()).put(r.offset(), r.value());
                        next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    }
                    c.commitSync(next);
                    next.forEach((tp, om) -> committed.put(tp, om.offset()));
                } catch (RuntimeException e) {
                    consumerErrors.add(e.toString()); // a commit during the failover may fail: the next one covers it
                }
            }
        }
    }

    private KafkaConsumer<String, String> groupMember() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Every record of the topic from offset 0 to the end offsets, per partition; fails on a gap or a repeated offset. */
    private Map<Integer, NavigableMap<Long, String>> readAll() {
        Map<Integer, NavigableMap<Long, String>> log = new HashMap<>();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                tps.add(new TopicPartition(TOPIC, i));
                log.put(i, new ConcurrentSkipListMap<>());
            }
            Map<TopicPartition, Long> ends = c.endOffsets(tps, Duration.ofSeconds(30));
            for (ConsumerRecord<String, String> r : Records.readToEnd(c, tps, Duration.ofSeconds(60))) {
                long expected = log.get(r.partition()).isEmpty() ? 0 : log.get(r.partition()).lastKey() + 1;
                assertEquals(expected, r.offset(), "offsets of partition " + r.partition() + " are contiguous from 0 (no hole, no repeat)");
                log.get(r.partition()).put(r.offset(), r.value());
            }
            tps.forEach(tp -> assertEquals(ends.get(tp).longValue(), log.get(tp.partition()).size(), "records of " + tp + " up to its end offset"));
        }
        return log;
    }

    private void assertLogHoldsAcknowledged(Map<Integer, NavigableMap<Long, String>> log) {
        List<String> missing = new ArrayList<>();
        acked.forEach((partition, records) -> records.forEach((offset, value) -> {
            if (!value.equals(log.get(partition).get(offset))) {
                missing.add(partition + "@" + offset + " acknowledged " + value + ", holds " + log.get(partition).get(offset));
            }
        }));
        assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())),
                missing.size() + " of " + count(acked) + " acknowledged records are not in the log at their offset");
        Map<String, String> placeOf = new HashMap<>();
        log.forEach((partition, records) -> records.forEach((offset, value) -> {
            String before = placeOf.put(value, partition + "@" + offset);
            if (before != null) {
                fail("value " + value + " at " + before + " and " + partition + "@" + offset);
            }
        }));
    }

    private void assertConsumedIsLog(Map<Integer, NavigableMap<Long, String>> log) {
        consumed.forEach((partition, records) -> {
            assertEquals(records.lastKey() + 1, records.size(), "partition " + partition + ": the member consumed every offset from 0 to "
                    + records.lastKey() + " (errors it saw: " + consumerErrors + ")");
            assertEquals(log.get(partition).headMap(records.lastKey(), true), records, "what the member consumed of partition " + partition);
        });
    }

    private void assertGroupContinuesFromCommitted(Map<Integer, NavigableMap<Long, String>> log) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> stored = admin.admin().listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> storedOffsets = new HashMap<>();
        stored.forEach((tp, om) -> storedOffsets.put(tp, om.offset()));
        assertEquals(Map.copyOf(committed), storedOffsets, "the group's committed offsets, as the member committed them");
        Map<Integer, Long> firstRead = new HashMap<>();
        try (KafkaConsumer<String, String> next = groupMember()) {
            next.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (firstRead.size() < PARTITIONS && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : next.poll(Duration.ofMillis(200))) {
                    firstRead.putIfAbsent(r.partition(), r.offset());
                }
            }
        }
        for (int partition = 0; partition < PARTITIONS; partition++) {
            Long from = committed.get(new TopicPartition(TOPIC, partition));
            assertTrue(from != null, "the member committed partition " + partition + ": " + committed);
            assertTrue(from < log.get(partition).size(), "records beyond the committed offset of partition " + partition);
            assertEquals(from, firstRead.get(partition), "the group's next member starts partition " + partition + " at its committed offset");
        }
    }
}
