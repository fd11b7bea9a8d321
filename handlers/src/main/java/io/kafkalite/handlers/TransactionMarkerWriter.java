package io.kafkalite.handlers;

import io.kafkalite.groups.TransactionMarkers;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The transaction coordinator's markers, written straight into this broker's partitions (Kafka's WriteTxnMarkers). */
public final class TransactionMarkerWriter implements TransactionMarkers {
    private static final Logger log = LoggerFactory.getLogger(TransactionMarkerWriter.class);

    private final LogStore store;

    public TransactionMarkerWriter(LogStore store) {
        this.store = store;
    }

    @Override
    public CompletableFuture<Set<TopicPartition>> write(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                                        Set<TopicPartition> partitions) {
        Set<TopicPartition> failed = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> visible = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            PartitionLog partition = store.partition(tp);
            if (partition == null) {
                continue; // deleted with its topic: nothing left to close
            }
            try {
                visible.add(store.writeTxnMarker(partition, producerId, producerEpoch, coordinatorEpoch, commit).exceptionally(e -> {
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
