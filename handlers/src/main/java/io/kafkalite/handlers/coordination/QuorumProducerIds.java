package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Producer ids of a cluster node: blocks reserved through the quorum ({@link MetadataRecord.AllocateProducerIds}),
 * so two brokers never hand out the same id. The next block is asked for when half of the current one is used, so
 * InitProducerId rarely waits; when it must and the quorum does not answer within {@code timeoutMs}, the call fails
 * with COORDINATOR_NOT_AVAILABLE (retriable). Thread-safe.
 */
public final class QuorumProducerIds implements LongSupplier {
    /** Kafka's block size (ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
    static final int BLOCK_SIZE = 1000;

    private final MetadataQuorum quorum;
    private final long timeoutMs;
    private long next;
    private long end;
    private CompletableFuture<MetadataQuorum.ApplyResult> prefetch;

    public QuorumProducerIds(MetadataQuorum quorum, long timeoutMs) {
        this.quorum = quorum;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public synchronized long getAsLong() {
        if (next == end) {
            if (prefetch == null) {
                prefetch = allocate();
            }
            CompletableFuture<MetadataQuorum.ApplyResult> block = prefetch;
            prefetch = null;
            long start = await(block);
            next = start;
            end = start + BLOCK_SIZE;
        }
        if (prefetch == null && end - next <= BLOCK_SIZE / 2) {
            prefetch = allocate();
        }
        return next++;
    }

    private CompletableFuture<MetadataQuorum.ApplyResult> allocate() {
        try {
            return quorum.submit(new MetadataRecord.AllocateProducerIds(quorum.nodeId(), BLOCK_SIZE));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private long await(CompletableFuture<MetadataQuorum.ApplyResult> block) {
        try {
            MetadataQuorum.ApplyResult result = block.get(timeoutMs, TimeUnit.MILLISECONDS);
            if (result.error() != Errors.NONE) {
                throw new CoordinatorNotAvailableException("No producer id block: " + result.error() + " " + result.message());
            }
            return result.producerIdStart();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoordinatorNotAvailableException("Interrupted while reserving producer ids");
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new CoordinatorNotAvailableException("No producer id block from the metadata quorum: " + e);
        }
    }
}
