package io.kafkalite.handlers;

import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WriteTxnMarkers, v1-v2. On one broker the coordinator writes its markers itself; this API is what
 * the admin client's abortTransaction (and {@code kafka-transactions abort}) sends to close a hanging
 * transaction. Each partition answers once the marker's outcome is visible to read_committed fetches;
 * an older producer or coordinator epoch gets INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED.
 * Needs ALTER or CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED, as Kafka.
 */
public final class WriteTxnMarkersHandler implements Handler<WriteTxnMarkersRequest> {
    private static final Logger log = LoggerFactory.getLogger(WriteTxnMarkersHandler.class);

    private final LogStore store;
    private final Authorization authorization;
    private final ReplicaManager replicas;

    public WriteTxnMarkersHandler(LogStore store, Authorization authorization) {
        this(store, authorization, null);
    }

    /** @param replicas cluster mode: a marker is answered once the ISR has it (as Kafka appends markers with acks=all) */
    public WriteTxnMarkersHandler(LogStore store, Authorization authorization, ReplicaManager replicas) {
        this.store = store;
        this.authorization = authorization;
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.WRITE_TXN_MARKERS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, WriteTxnMarkersRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER, false) && !authorization.allowedOnCluster(request, AclOperation.CLUSTER_ACTION)) {
            return Authorization.refused(body, Errors.CLUSTER_AUTHORIZATION_FAILED);
        }
        Map<Long, Map<TopicPartition, Errors>> errors = new HashMap<>();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (WritableTxnMarker marker : body.data().markers()) {
            Map<TopicPartition, Errors> byPartition = new java.util.concurrent.ConcurrentHashMap<>();
            errors.put(marker.producerId(), byPartition);
            for (WritableTxnMarkerTopic t : marker.topics()) {
                for (int p : t.partitionIndexes()) {
                    TopicPartition tp = new TopicPartition(t.name(), p);
                    PartitionLog partition = store.partition(tp);
                    if (partition == null) {
                        byPartition.put(tp, MissingPartition.error(store, tp));
                        continue;
                    }
                    try {
                        writes.add(TransactionMarkerWriter.write(store, replicas, partition, marker.producerId(), marker.producerEpoch(),
                                marker.coordinatorEpoch(), marker.transactionResult()).handle((v, e) -> {
                                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                                    byPartition.put(tp, cause == null ? Errors.NONE
                                            : cause instanceof ApiException ? Errors.forException(cause) : Errors.KAFKA_STORAGE_ERROR);
                                    return null;
                                }));
                    } catch (ApiException e) {
                        byPartition.put(tp, Errors.forException(e));
                    } catch (RuntimeException e) {
                        log.error("Writing a transaction marker into {} failed", tp, e);
                        byPartition.put(tp, Errors.KAFKA_STORAGE_ERROR);
                    }
                }
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> new WriteTxnMarkersResponse(errors));
    }
}
