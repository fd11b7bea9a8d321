package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.handlers.replication.InterBrokerSecurity;
import io.kafkalite.handlers.replication.ReplicaFetcherManager;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.ProducerStateTable.ProducerEntry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The follower side of replication against a real single broker (which answers replica fetches as it answers
 * consumers): a {@link ReplicaFetcherManager} as broker 2 copies the leader's partitions into its own store.
 */
class ReplicaFetcherTest {
    private static final int LEADER = 1;
    private static final int FOLLOWER = 2;
    private static Broker leader;
    private static Admin admin;
    private Path followerDir;
    private LogStore followerStore;
    private ReplicaFetcherManager fetchers;

    @BeforeAll
    static void startLeader() {
        leader = Broker.builder().config("node.id", String.valueOf(LEADER)).start(); // data in a temporary directory
        admin = Admin.create(Map.of("bootstrap.servers", leader.bootstrapServers()));
    }

    @AfterAll
    static void stopLeader() {
        admin.close();
        leader.close();
    }

    @BeforeEach
    void startFollower() throws IOException {
        followerDir = Files.createTempDirectory("fetcher-test-");
        followerStore = LogStore.open(followerDir, Map.of());
        BrokerConfig config = new BrokerConfig(Map.of("node.id", String.valueOf(FOLLOWER), "replica.fetch.backoff.ms", "100",
                "replica.fetch.wait.max.ms", "100"));
        fetchers = new ReplicaFetcherManager(FOLLOWER, id -> id == LEADER ? new InetSocketAddress("localhost", leader.port()) : null,
                config, InterBrokerSecurity.of(config), followerStore);
    }

    @AfterEach
    void stopFollower() throws IOException {
        fetchers.close();
        followerStore.close();
        try (Stream<Path> files = Files.walk(followerDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void replicatesRecordsTransactionsAndProducerState() throws Exception {
        String topic = "replicated";
        leader.createTopic(topic, 1);
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (int i = 0; i < 2000; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
        }
        try (KafkaProducer<String, String> txn = producer(Map.of("transactional.id", "fetcher-test"))) {
            txn.initTransactions();
            txn.beginTransaction();
            txn.send(new ProducerRecord<>(topic, "committed", "yes")).get();
            txn.commitTransaction();
            txn.beginTransaction();
            txn.send(new ProducerRecord<>(topic, "aborted", "no")).get();
            txn.abortTransaction();
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        PartitionLog log = follow(tp);
        long leaderEnd = leaderEndOffset(tp);
        await(() -> log.logEndOffset() == leaderEnd && log.highWatermark() == leaderEnd, "caught up with " + leaderEnd);

        assertEquals(leaderRecords(tp), followerRecords(log));
        assertEquals(leaderEnd, log.lastStableOffset(), "no transaction open");
        Map<Long, ProducerState> leaderProducers = new HashMap<>();
        for (ProducerState p : admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers()) {
            leaderProducers.put(p.producerId(), p);
        }
        Map<Long, ProducerEntry> followerProducers = log.producers();
        assertEquals(leaderProducers.keySet(), followerProducers.keySet());
        leaderProducers.forEach((id, p) -> {
            ProducerEntry e = followerProducers.get(id);
            assertEquals(p.producerEpoch(), e.epoch(), "epoch of " + id);
            assertEquals(p.lastSequence(), e.lastSequence(), "last sequence of " + id);
            assertEquals(p.currentTransactionStartOffset().orElse(-1L), e.currentTxnFirstOffset(), "open transaction of " + id);
        });
        assertEquals(0, log.latestEpoch(), "the leader's epoch came with its batches");
    }

    @Test
    void aDivergedTailIsTruncatedBeforeFetching() throws Exception {
        String topic = "diverged";
        leader.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        produce(topic, 0, 100);
        PartitionLog log = follow(tp);
        await(() -> log.logEndOffset() == 100 && log.highWatermark() == 100, "caught up");
        Uuid id = topicId(topic);

        // a tail of the leader's epoch 0 that the leader does not have: its OffsetForLeaderEpoch answer (0, 100)
        // cuts it there, above our high watermark (50), so [50, 100) stays and is not fetched again
        fetchers.stopFollowing(tp);
        followerStore.appendAsFollower(log, batch(100, 0, "stale-a", 5));
        followerStore.updateHighWatermark(log, 50);
        assertEquals(50, log.highWatermark());
        long appended = log.appendedBytes();
        fetchers.follow(tp, id, log, LEADER, 0);
        await(() -> log.logEndOffset() == 100 && log.highWatermark() == 100, "truncated to the leader's end of epoch 0");
        assertEquals(appended, log.appendedBytes(), "nothing fetched again below the leader's end of our epoch");

        // a tail of epoch 1, unknown to the leader (at epoch 0): its (-1, -1) answer cuts to our high watermark
        fetchers.stopFollowing(tp);
        followerStore.appendAsFollower(log, batch(100, 1, "stale-b", 5));
        assertEquals(1, log.latestEpoch());
        fetchers.follow(tp, id, log, LEADER, 0);
        await(() -> log.logEndOffset() == 100 && log.latestEpoch() == 0, "truncated to the high watermark");

        produce(topic, 100, 50);
        await(() -> log.logEndOffset() == 150, "caught up after the truncations");
        assertEquals(leaderRecords(tp), followerRecords(log));
    }

    @Test
    void aFollowerBehindTheLeadersLogStartStartsOverThere() throws Exception {
        String topic = "deleted-below";
        leader.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        produce(topic, 0, 300);
        admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(200))).all().get();
        PartitionLog log = follow(tp);
        await(() -> log.logEndOffset() == 300, "caught up");
        assertEquals(200, log.logStartOffset());
        assertEquals(leaderRecords(tp), followerRecords(log));
    }

    @Test
    void anEpochTheLeaderDoesNotKnowWaitsUntilFollowedAgain() throws Exception {
        String topic = "future-epoch";
        leader.createTopic(topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        produce(topic, 0, 10);
        Uuid id = topicId(topic);
        followerStore.createTopic(topic, id, 1, Map.of());
        PartitionLog log = followerStore.partition(tp);
        log.setReplicated(true);
        log.becomeFollower(5);
        fetchers.follow(tp, id, log, LEADER, 5); // the leader is at epoch 0: UNKNOWN_LEADER_EPOCH, retried
        Thread.sleep(600);
        assertEquals(0, log.logEndOffset());
        log.becomeFollower(0);
        fetchers.follow(tp, id, log, LEADER, 0);
        await(() -> log.logEndOffset() == 10, "caught up at the leader's epoch");
    }

    @Test
    void partitionsSpreadOverTheFetchersOfALeaderWhoseAddressComesLateAndTheyEndWithTheirLastPartition() throws Exception {
        String topic = "spread";
        leader.createTopic(topic, 4);
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (int i = 0; i < 400; i++) {
                producer.send(new ProducerRecord<>(topic, i % 4, "k" + i, "v" + i));
            }
        }
        List<Thread> earlier = fetcherThreads(); // of other managers, maybe still stopping
        AtomicReference<InetSocketAddress> address = new AtomicReference<>();
        BrokerConfig config = new BrokerConfig(Map.of("node.id", String.valueOf(FOLLOWER), "num.replica.fetchers", "2",
                "replica.fetch.backoff.ms", "100"));
        ReplicaFetcherManager two = new ReplicaFetcherManager(FOLLOWER, id -> address.get(), config, InterBrokerSecurity.of(config), followerStore);
        try {
            Uuid id = topicId(topic);
            followerStore.createTopic(topic, id, 4, Map.of());
            List<PartitionLog> logs = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                PartitionLog log = followerStore.partition(new TopicPartition(topic, p));
                log.setReplicated(true);
                log.becomeFollower(0);
                two.follow(log.topicPartition(), id, log, LEADER, 0);
                two.follow(log.topicPartition(), id, log, LEADER, 0); // idempotent
                logs.add(log);
            }
            assertEquals(2, fetcherThreads().stream().filter(t -> !earlier.contains(t)).count(), "num.replica.fetchers threads for the leader");
            Thread.sleep(300); // no address yet: the fetchers retry
            assertEquals(0, logs.get(0).logEndOffset());
            address.set(new InetSocketAddress("localhost", leader.port()));
            for (PartitionLog log : logs) {
                await(() -> log.logEndOffset() == 100, "caught up " + log.topicPartition());
                assertEquals(leaderRecords(log.topicPartition()), followerRecords(log));
            }
            logs.forEach(log -> two.stopFollowing(log.topicPartition()));
            await(() -> fetcherThreads().isEmpty(), "a fetcher without partitions ends");
        } finally {
            two.close();
        }
    }

    @Test
    void reconnectsToALeaderThatRestarted() throws Exception {
        Path leaderDir = Files.createTempDirectory("fetcher-test-leader-");
        Broker first = Broker.builder().dataDir(leaderDir).config("node.id", String.valueOf(LEADER)).topic("restarted", 1).start();
        int port = first.port();
        ReplicaFetcherManager own = null;
        try {
            produceTo(first, "restarted", 0, 100);
            Uuid id;
            try (Admin a = Admin.create(Map.of("bootstrap.servers", first.bootstrapServers()))) {
                id = a.describeTopics(List.of("restarted")).allTopicNames().get().get("restarted").topicId();
            }
            BrokerConfig config = new BrokerConfig(Map.of("node.id", String.valueOf(FOLLOWER), "replica.fetch.backoff.ms", "100"));
            own = new ReplicaFetcherManager(FOLLOWER, n -> new InetSocketAddress("localhost", port), config, InterBrokerSecurity.of(config), followerStore);
            TopicPartition tp = new TopicPartition("restarted", 0);
            followerStore.createTopic("restarted", id, 1, Map.of());
            PartitionLog log = followerStore.partition(tp);
            log.setReplicated(true);
            log.becomeFollower(0);
            own.follow(tp, id, log, LEADER, 0);
            await(() -> log.logEndOffset() == 100, "caught up before the restart");
            first.close();
            Thread.sleep(300); // the fetcher loses its connection and retries
            first = Broker.builder().dataDir(leaderDir).port(port).config("node.id", String.valueOf(LEADER)).start();
            produceTo(first, "restarted", 100, 50);
            await(() -> log.logEndOffset() == 150, "caught up after the restart");
        } finally {
            if (own != null) {
                own.close();
            }
            first.close();
            try (Stream<Path> files = Files.walk(leaderDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void produceTo(Broker broker, String topic, int from, int count) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "linger.ms", "5"), new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
        }
    }

    private static List<Thread> fetcherThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("ReplicaFetcherThread-") && t.isAlive())
                .toList();
    }

    /**
     * Replication throughput of one partition: the follower copies a backlog of 100-byte records that the leader holds,
     * in large batches (256 KiB) and in the producer's default ones (16 KiB).
     */
    @Test
    void measuresReplicationThroughput() throws Exception {
        measureThroughput("throughput-large-batches", 1_000_000, 262_144);
        measureThroughput("throughput-default-batches", 500_000, 16_384);
    }

    private void measureThroughput(String topic, int records, int batchSize) throws Exception {
        leader.createTopic(topic, 1);
        byte[] value = new byte[100];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", leader.bootstrapServers(),
                "linger.ms", "20", "batch.size", String.valueOf(batchSize), "acks", "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, value));
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        long start = System.nanoTime();
        PartitionLog log = follow(tp);
        await(() -> log.logEndOffset() == records, "caught up");
        double seconds = (System.nanoTime() - start) / 1e9;
        double mb = log.sizeInBytes() / 1e6;
        System.out.printf("REPLICATION THROUGHPUT (batch.size %d): %d records (%.1f MB in batches) in %.2f s: %.0f records/s, %.1f MB/s%n",
                batchSize, records, mb, seconds, records / seconds, mb / seconds);
        assertEquals(records, log.logEndOffset());
    }

    // ---------------------------------------------------------------- helpers

    private PartitionLog follow(TopicPartition tp) throws Exception {
        Uuid id = topicId(tp.topic());
        followerStore.createTopic(tp.topic(), id, 1, Map.of());
        PartitionLog log = followerStore.partition(tp);
        log.setReplicated(true);
        log.becomeFollower(0);
        fetchers.follow(tp, id, log, LEADER, 0);
        return log;
    }

    private static Uuid topicId(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
    }

    private static KafkaProducer<String, String> producer(Map<String, String> extra) {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", leader.bootstrapServers(), "linger.ms", "5"));
        props.putAll(extra);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private static void produce(String topic, int from, int count) {
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
        }
    }

    private static long leaderEndOffset(TopicPartition tp) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.put("bootstrap.servers", leader.bootstrapServers());
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Every data record (aborted ones too) as offset:key:value, read by a stock consumer. */
    private static List<String> leaderRecords(TopicPartition tp) {
        List<String> out = new ArrayList<>();
        long end = leaderEndOffset(tp);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", leader.bootstrapServers()),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 20_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.offset() + ":" + r.key() + ":" + r.value());
                }
            }
        }
        return out;
    }

    /** The follower's data records, read to its log end. */
    private static List<String> followerRecords(PartitionLog log) throws IOException {
        List<String> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            for (RecordBatch batch : log.readForReplica(offset, 1 << 20).records().batches()) {
                for (Record r : batch) {
                    if (!batch.isControlBatch() && r.offset() >= offset) {
                        out.add(r.offset() + ":" + string(r.key()) + ":" + string(r.value()));
                    }
                }
                offset = batch.nextOffset();
            }
        }
        return out;
    }

    private static String string(ByteBuffer b) {
        return b == null ? null : StandardCharsets.UTF_8.decode(b).toString();
    }

    /** Records a leader of {@code epoch} would have written at {@code base}. */
    private static MemoryRecords batch(long base, int epoch, String prefix, int count) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, base, System.currentTimeMillis(), RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
                RecordBatch.NO_SEQUENCE, false, epoch);
        for (int i = 0; i < count; i++) {
            builder.append(System.currentTimeMillis(), (prefix + i).getBytes(StandardCharsets.UTF_8), (prefix + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting: " + what);
            Thread.sleep(20);
        }
    }
}
