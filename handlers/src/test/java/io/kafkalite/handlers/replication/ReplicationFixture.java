package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.Topic;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.replica.RackAwareReplicaSelector;

/**
 * Node 1's {@link ReplicaManager} on an in-memory log store, in a three-broker cluster whose metadata is a
 * {@link LocalQuorum} (brokers 1-3 registered and unfenced, listener PLAINTEXT on localhost:9091-9093, racks rack1-3).
 * Brokers 2 and 3 exist only in the metadata: tests play their fetches. The clock is the test's. Consumers may fetch
 * from the closest replica (KIP-392, Kafka's RackAwareReplicaSelector).
 */
public final class ReplicationFixture implements AutoCloseable {
    public final LocalQuorum.Log log = new LocalQuorum.Log();
    public final MetadataQuorum quorum;
    public final LogStore store = LogStore.inMemory(Map.of());
    public final AtomicLong clock = new AtomicLong(1_000_000);
    public final RecordingFetchers fetchers = new RecordingFetchers();
    public final ReplicaManager replicas;

    /** What the manager asked of the follower side. */
    public static final class RecordingFetchers implements PartitionRoles.Fetchers {
        public final List<String> calls = new ArrayList<>();

        @Override
        public synchronized void follow(TopicPartition tp, Uuid topicId, PartitionLog log, int leaderId, int leaderEpoch) {
            calls.add("follow " + tp + " leader " + leaderId + " epoch " + leaderEpoch);
        }

        @Override
        public synchronized void stopFollowing(TopicPartition tp) {
            calls.add("stop " + tp);
        }

        public synchronized List<String> calls() {
            return List.copyOf(calls);
        }
    }

    public ReplicationFixture() throws Exception {
        this(30_000, ReplicaManager.MAX_PARKED_PRODUCES);
    }

    public ReplicationFixture(long maxLagMs, int maxParked) throws Exception {
        this(maxLagMs, maxParked, image -> true);
    }

    /** @param registered whether an image holds node 1's current run registered and unfenced */
    public ReplicationFixture(long maxLagMs, int maxParked, Predicate<MetadataImage> registered) throws Exception {
        quorum = log.node(1);
        for (int id = 1; id <= 3; id++) {
            quorum.submit(new MetadataRecord.RegisterBroker(id, 7, Map.of("PLAINTEXT", new BrokerRegistration.HostPort("localhost", 9090 + id)),
                    "rack" + id)).get(10, TimeUnit.SECONDS);
            quorum.submit(new MetadataRecord.UnfenceBroker(id, 7)).get(10, TimeUnit.SECONDS);
        }
        replicas = new ReplicaManager(store, quorum, 1, maxLagMs, fetchers, clock::get, maxParked, registered,
                new ReadReplicaSelection(new RackAwareReplicaSelector()));
        replicas.start();
    }

    /** A one-partition topic created in the local store and in the metadata with these replicas (the first leads). */
    public TopicPartition createTopic(String name, Map<String, String> configs, Integer... replicaIds) throws Exception {
        Topic t = store.createTopic(name, 1, configs);
        submit(new MetadataRecord.CreateTopic(name, t.id(), configs, List.of(Arrays.asList(replicaIds))));
        return new TopicPartition(name, 0);
    }

    public Uuid topicId(TopicPartition tp) {
        return store.topic(tp.topic()).id();
    }

    /** Applies {@code record} and waits until node 1's manager has reconciled the image. */
    public void submit(MetadataRecord record) throws Exception {
        assertEquals(Errors.NONE, quorum.submit(record).get(10, TimeUnit.SECONDS).error(), record.toString());
        sync();
    }

    /** Waits for the quorum's listeners (the image is visible just before they are told), then the replica-state thread. */
    public void sync() throws Exception {
        log.sync();
        replicas.awaitStateThread();
    }

    public PartitionState state(TopicPartition tp) {
        return quorum.image().partition(tp.topic(), tp.partition());
    }

    public PartitionLog partition(TopicPartition tp) {
        return store.partition(tp);
    }

    /** Waits (up to 10 s) until {@code condition} holds, then for the replica-state thread. */
    public void await(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
        sync();
    }

    @Override
    public void close() {
        replicas.close();
        log.close();
        store.close();
    }
}
