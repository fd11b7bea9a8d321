package io.kafkalite.handlers;

import io.kafkalite.groups.TransactionMarkers;
import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator's markers, written straight into this broker's partitions (Kafka's WriteTxnMarkers). In a
 * cluster a marker counts as written once the partition's high watermark passed it (acks=all, as Kafka writes markers).
 */
public final class TransactionMarkerWriter implements TransactionMarkers {
    private static final Logger log = LoggerFactory.getLogger(TransactionMarkerWriter.class);
    /** How long a marker waits for the in-sync replicas before it is retried. */
    static final long REPLICATION_TIMEOUT_MS = 30_000;

    private final LogStore store;
    private final ReplicaManager replicas;

    public TransactionMarkerWriter(LogStore store) {
        this(store, null);
    }

    /** @param replicas cluster mode: the leader side of replication; null on one broker */
    public TransactionMarkerWriter(LogStore store, ReplicaManager replicas) {
        this.store = store;
        this.replicas = replicas;
    }

    /**
     * Writes one marker; completes when it is visible (and, in a cluster, replicated to the ISR), exceptionally when it
     * must be retried.
     * @throws RuntimeException as {@link LogStore#writeTxnMarker} throws; NotLeaderOrFollowerException in a cluster unless this broker leads
     */
    public static CompletableFuture<Void> write(LogStore store, ReplicaManager replicas, PartitionLog partition, long producerId,
                                                short producerEpoch, int coordinatorEpoch, boolean commit) {
        if (replicas != null) { // only the leader appends (a partition without a role yet, e.g. just restarted, refuses)
            Errors notLeader = replicas.leaderError(partition.topicPartition(), -1);
            if (notLeader != Errors.NONE) {
                throw notLeader.exception("This broker does not lead " + partition.topicPartition());
            }
        }
        int epoch = partition.leaderEpoch(); // the marker's; another leader may replace it after a change
        CompletableFuture<Void> visible = store.writeTxnMarker(partition, producerId, producerEpoch, coordinatorEpoch, commit);
        if (replicas == null) {
            return visible;
        }
        long marker = partition.logEndOffset() - 1; // the marker's offset, or a later one: waiting for it is never too short
        return visible.thenCompose(v -> replicas.awaitReplication(partition, epoch, marker, REPLICATION_TIMEOUT_MS)).thenAccept(error -> {
            if (error != Errors.NONE) {
                throw error.exception("The marker was not replicated: " + error);
            }
        });
    }

    @Override
    public CompletableFuture<Set<TopicPartition>> write(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                                        Set<TopicPartition> partitions) {
        Set<TopicPartition> failed = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> visible = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            PartitionLog partition = store.partition(tp);
            if (partition == null) {
                if (store.exists(tp)) {
                    failed.add(tp); // its log is not here (yet): retried, as Kafka's marker to a broker without the replica
                }
                continue; // else deleted with its topic: nothing left to close
            }
            try {
                visible.add(write(store, replicas, partition, producerId, producerEpoch, coordinatorEpoch, commit).exceptionally(e -> {
                    failed.add(tp);
                    return null;
                }));
            } catch (InvalidProducerEpochException | TransactionCoordinatorFencedException e) {
                log.warn("Not writing the {} marker of producer {} into {}: {}", commit ? "COMMIT" : "ABORT", producerId, tp, e.getMessage());
            } catch (RuntimeException e) {
                log.warn("Writing the {} marker of producer {} into {} failed: {}", commit ? "COMMIT" : "ABORT", producerId, tp, e.toString());
                failed.add(tp);
            }
        }
        return CompletableFuture.allOf(visible.toArray(CompletableFuture[]::new)).thenApply(v -> failed);
    }
}
