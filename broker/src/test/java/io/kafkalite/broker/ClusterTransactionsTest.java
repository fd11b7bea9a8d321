package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.handlers.coordination.ClusterTransactionMarkers;
import io.kafkalite.handlers.coordination.RemoteTransactionCoordinator;
import io.kafkalite.handlers.replication.InterBrokerSecurity;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** A cluster broker reaches the transaction coordinator and the partition leaders on other brokers. */
class ClusterTransactionsTest {
    private static final TopicPartition LED_ELSEWHERE = new TopicPartition("t", 0);
    private static final TopicPartition LEADERLESS = new TopicPartition("u", 0);
    private static final TopicPartition HERE = new TopicPartition("v", 0);
    private static final TopicPartition DELETED = new TopicPartition("gone", 0);

    @Test
    void markersReachEachPartitionsLeader() throws Exception {
        try (Broker leader = Broker.builder().inMemory().topic("t", 1).start()) {
            MetadataImage image = new MetadataImage(10, "c",
                    Map.of(2, new BrokerRegistration(2, 1, Map.of("PLAINTEXT", new BrokerRegistration.HostPort("localhost", leader.port())),
                            null, false, false)),
                    Map.of("t", topic("t", new PartitionState(List.of(2), 2, 0, List.of(2), List.of(), 0, List.of(), List.of())),
                            "u", topic("u", new PartitionState(List.of(3), -1, 1, List.of(3), List.of(), 1, List.of(), List.of())),
                            "v", topic("v", PartitionState.initial(List.of(1)))),
                    Map.of(), 0);
            CompletableFuture<Set<TopicPartition>> localWrite = new CompletableFuture<>();
            try (ClusterTransactionMarkers markers = new ClusterTransactionMarkers(quorum(1, image), (pid, epoch, coordinatorEpoch, commit, tps) -> {
                assertEquals(Set.of(HERE), tps, "only the partition this node leads is written here");
                localWrite.complete(tps);
                return CompletableFuture.completedFuture(Set.of());
            }, InterBrokerSecurity.of(new BrokerConfig(Map.of())))) {
                Set<TopicPartition> retry = markers.write(7L, (short) 0, 1, true, Set.of(LED_ELSEWHERE, LEADERLESS, HERE, DELETED))
                        .get(30, TimeUnit.SECONDS);
                assertEquals(Set.of(LEADERLESS), retry, "a partition without leader is retried; a deleted one is done");
                assertEquals(Set.of(HERE), localWrite.getNow(null));
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", leader.bootstrapServers()))) {
                long end = admin.listOffsets(Map.of(LED_ELSEWHERE, OffsetSpec.latest())).partitionResult(LED_ELSEWHERE)
                        .get(30, TimeUnit.SECONDS).offset();
                assertEquals(1, end, "the leader appended the COMMIT marker");
            }
        }
    }

    @Test
    void aPartitionLeaderVerifiesAndAddsPartitionsWithTheRemoteCoordinator() throws Exception {
        try (Broker coordinator = Broker.builder().inMemory().topic("t", 2).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", coordinator.bootstrapServers(),
                     "transactional.id", "tx"), new ByteArraySerializer(), new ByteArraySerializer());
             Admin admin = Admin.create(Map.of("bootstrap.servers", coordinator.bootstrapServers()))) {
            producer.initTransactions();
            TransactionDescription tx = admin.describeTransactions(List.of("tx")).description("tx").get(30, TimeUnit.SECONDS);
            MetadataImage image = new MetadataImage(10, "c",
                    Map.of(2, new BrokerRegistration(2, 1, Map.of("PLAINTEXT", new BrokerRegistration.HostPort("localhost", coordinator.port())),
                            null, false, false)), Map.of(), Map.of(), 0);
            try (RemoteTransactionCoordinator remote = new RemoteTransactionCoordinator(quorum(1, 2, image), InterBrokerSecurity.of(new BrokerConfig(Map.of())))) {
                TopicPartition t0 = new TopicPartition("t", 0);
                short epoch = (short) tx.producerEpoch();
                assertEquals(Map.of(t0, Errors.TRANSACTION_ABORTABLE), remote.addPartitions("tx", tx.producerId(), epoch, Set.of(t0), true)
                        .get(30, TimeUnit.SECONDS), "not in the transaction yet");
                assertEquals(Map.of(t0, Errors.NONE), remote.addPartitions("tx", tx.producerId(), epoch, Set.of(t0), false)
                        .get(30, TimeUnit.SECONDS), "a Transactions V2 produce adds it");
                assertEquals(Map.of(t0, Errors.NONE), remote.addPartitions("tx", tx.producerId(), epoch, Set.of(t0), true)
                        .get(30, TimeUnit.SECONDS), "now it is in the transaction");
                assertEquals(Map.of(t0, Errors.PRODUCER_FENCED), remote.addPartitions("tx", tx.producerId(), (short) (epoch - 1), Set.of(t0), true)
                        .get(30, TimeUnit.SECONDS));
            }
            try (RemoteTransactionCoordinator noLeader = new RemoteTransactionCoordinator(quorum(1, -1, image), InterBrokerSecurity.of(new BrokerConfig(Map.of())))) {
                TopicPartition t1 = new TopicPartition("t", 1);
                assertEquals(Map.of(t1, Errors.COORDINATOR_NOT_AVAILABLE), noLeader.addPartitions("tx", tx.producerId(),
                        (short) tx.producerEpoch(), Set.of(t1), true).get(30, TimeUnit.SECONDS));
            }
        }
    }

    private static TopicImage topic(String name, PartitionState partition) {
        return new TopicImage(name, Uuid.randomUuid(), Map.of(), List.of(partition));
    }

    /** Just what the markers read: this node's id and the image. */
    private static MetadataQuorum quorum(int nodeId, MetadataImage image) {
        return quorum(nodeId, nodeId, image);
    }

    private static MetadataQuorum quorum(int nodeId, int leaderId, MetadataImage image) {
        return new MetadataQuorum() {
            public MetadataImage image() {
                return image;
            }

            public CompletableFuture<ApplyResult> submit(MetadataRecord record) {
                throw new UnsupportedOperationException();
            }

            public void subscribe(Consumer<MetadataImage> listener) { }

            public void onLeadership(Consumer<Boolean> listener) { }

            public int leaderId() {
                return leaderId;
            }

            public int nodeId() {
                return nodeId;
            }

            public QuorumInfo describe() {
                throw new UnsupportedOperationException();
            }

            public void close() { }
        };
    }
}
