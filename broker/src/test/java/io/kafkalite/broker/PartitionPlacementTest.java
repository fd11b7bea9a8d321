package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.PartitionState;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three in-JVM brokers sharing a {@link LocalQuorum}, a topic of replication factor 2: each broker keeps the logs of
 * the partitions it is a replica of, and only those (in its log store and on disk); a reassignment moves a log.
 */
@Timeout(60)
class PartitionPlacementTest {
    private static final String TOPIC = "placed";
    /** Partition p's replicas; the first leads. */
    private static final Map<Integer, List<Integer>> ASSIGNMENT = Map.of(0, List.of(1, 2), 1, List.of(2, 3), 2, List.of(3, 1));

    private final LocalQuorum.Log log = new LocalQuorum.Log();
    private final List<Broker> brokers = new ArrayList<>();
    private final List<MetadataQuorum> quorums = new ArrayList<>();
    private Admin admin;
    @TempDir
    Path dataDirs;

    @BeforeEach
    void startCluster() throws Exception {
        for (int id = 1; id <= 3; id++) {
            brokers.add(Broker.builder()
                    .dataDir(dataDir(id))
                    .config("process.roles", "broker,controller")
                    .config("node.id", String.valueOf(id))
                    .config("controller.quorum.voters", "1@localhost:19491,2@localhost:19492,3@localhost:19493")
                    .config("controller.listener.names", "CONTROLLER")
                    .config("listeners", "PLAINTEXT://localhost:0,CONTROLLER://localhost:1949" + id)
                    .config("replica.fetch.wait.max.ms", "100")
                    .config("replica.lag.time.max.ms", "1000")
                    .quorum(LocalQuorumStarter.of(log, quorums))
                    .start());
        }
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap()));
        await(() -> log.image().brokers().values().stream().filter(b -> !b.fenced()).count() == 3, "3 unfenced brokers");
        admin.createTopics(List.of(new NewTopic(TOPIC, ASSIGNMENT))).all().get();
    }

    @AfterEach
    void stopCluster() {
        admin.close();
        brokers.forEach(Broker::close);
        log.close();
    }

    private Path dataDir(int id) {
        return dataDirs.resolve("broker-" + id);
    }

    @Test
    void eachBrokerHoldsOnlyItsReplicasAndAnswersNotLeaderForTheOthers() throws Exception {
        for (int id = 1; id <= 3; id++) {
            int node = id;
            Set<Integer> assigned = ASSIGNMENT.entrySet().stream().filter(e -> e.getValue().contains(node)).map(Map.Entry::getKey)
                    .collect(Collectors.toCollection(TreeSet::new));
            await(() -> assigned.equals(logDirPartitions(node)), "broker " + node + " describes the logs of " + assigned);
            assertEquals(assigned, partitionDirs(node), "broker " + node + "'s partition directories");
        }

        // partition 1 is on 2 and 3: broker 1 knows it from the image, but has no log of it
        PartitionProduceResponse refused = produce(1, 1);
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(refused.errorCode()));
        assertEquals(2, refused.currentLeader().leaderId(), "the leader hint (KIP-951)");
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.forCode(produce(1, 3).errorCode()), "a partition the image does not know");

        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(TOPIC, i % 3, "k", "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        List<ConsumerRecord<String, String>> read = readAll(List.of(0, 1, 2), 30);
        assertEquals(30, read.size());
        for (ConsumerRecord<String, String> r : read) {
            assertEquals("v" + (r.offset() * 3 + r.partition()), r.value());
        }
    }

    @Test
    void aReassignmentCreatesTheNewReplicasLogWhichCatchesUpAndDeletesTheOldOne() throws Exception {
        await(() -> Set.of(0, 2).equals(logDirPartitions(1)), "broker 1's logs");
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v" + i));
            }
            producer.flush();
        }
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        // partition 0 moves from [1, 2] to [3, 2]: broker 3 gets its log and catches up, broker 1's is deleted
        admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(3, 2))))).all().get();
        await(() -> state(0).replicas().equals(List.of(3, 2)) && state(0).adding().isEmpty(), "the reassignment completed");
        await(() -> Set.of(0, 1, 2).equals(logDirPartitions(3)), "broker 3 holds partition 0");
        await(() -> Set.of(2).equals(logDirPartitions(1)), "broker 1 deleted partition 0");
        await(() -> Set.of(2).equals(partitionDirs(1)), "broker 1's directory of partition 0 is gone");
        assertEquals(Set.of(0, 1, 2), partitionDirs(3));

        admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get();
        await(() -> state(0).leader() == 3, "broker 3 leads partition 0");
        List<ConsumerRecord<String, String>> read = readAll(List.of(0), 50); // from broker 3, the leader now
        for (int i = 0; i < 50; i++) {
            assertEquals(i, read.get(i).offset());
            assertEquals("v" + i, read.get(i).value());
        }
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, Errors.forCode(produce(1, 0).errorCode()));
    }

    private PartitionState state(int partition) {
        return log.image().partition(TOPIC, partition);
    }

    /** The partitions of the topic that {@code node} describes in its log directories (DescribeLogDirs). */
    private Set<Integer> logDirPartitions(int node) {
        try {
            Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(node)).descriptions().get(node).get();
            return dirs.values().stream().flatMap(d -> d.replicaInfos().keySet().stream()).filter(tp -> tp.topic().equals(TOPIC))
                    .map(TopicPartition::partition).collect(Collectors.toCollection(TreeSet::new));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The topic's partition directories in {@code node}'s log directory (deleted ones, renamed *-delete, left out). */
    private Set<Integer> partitionDirs(int node) {
        try (Stream<Path> entries = Files.list(dataDir(node))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(TOPIC + "-") && !n.endsWith("-delete"))
                    .map(n -> Integer.parseInt(n.substring(TOPIC.length() + 1))).collect(Collectors.toCollection(TreeSet::new));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A Produce (v11, acks=1) of one record to {@code partition}, sent straight to broker {@code node}. */
    private PartitionProduceResponse produce(int node, int partition) throws Exception {
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(TOPIC).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(partition)
                        .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("raw".getBytes())))));
        ProduceRequest request = new ProduceRequest(new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(td).iterator())), (short) 11);
        String address = brokers.get(node - 1).bootstrapServers();
        try (Socket socket = new Socket("localhost", Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)))) {
            socket.setSoTimeout(10_000);
            RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "placement-test", 1);
            ByteBuffer frame = request.serializeWithHeader(header);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            ProduceResponse answer = (ProduceResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
            return answer.data().responses().iterator().next().partitionResponses().get(0);
        }
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap(), "acks", "all",
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName(),
                "delivery.timeout.ms", "30000", "request.timeout.ms", "10000", "max.block.ms", "20000"));
    }

    private List<ConsumerRecord<String, String>> readAll(List<Integer> partitions, int expected) {
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap(),
                "key.deserializer", StringDeserializer.class.getName(), "value.deserializer", StringDeserializer.class.getName(),
                "auto.offset.reset", "earliest"))) {
            consumer.assign(partitions.stream().map(p -> new TopicPartition(TOPIC, p)).toList());
            long deadline = System.currentTimeMillis() + 30_000;
            while (all.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        assertEquals(expected, all.size());
        return all;
    }

    private String bootstrap() {
        return brokers.stream().map(Broker::bootstrapServers).collect(Collectors.joining(","));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
