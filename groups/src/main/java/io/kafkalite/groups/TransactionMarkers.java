package io.kafkalite.groups;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/** Writes the end of a transaction into its partitions (Kafka's WriteTxnMarkers, internal on one broker). */
public interface TransactionMarkers {
    /**
     * Appends a COMMIT or ABORT marker of the producer to each partition, on the calling thread.
     * @return completes once every written marker's outcome is visible to read_committed fetches, with the
     *         partitions whose marker could not be written (to retry); partitions that no longer exist count as done
     */
    CompletableFuture<Set<TopicPartition>> write(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                                 Set<TopicPartition> partitions);
}
