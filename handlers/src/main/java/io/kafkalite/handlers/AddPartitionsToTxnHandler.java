package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * AddPartitionsToTxn, v0-v5: v0-v3 from producers of the original protocol (one transaction), v4+ the
 * batched form brokers send, with {@code verify_only} (KIP-890 part 1).
 * <ul>
 * <li>Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION and the others of that transaction
 *     OPERATION_NOT_ATTEMPTED, as in Kafka; nothing is added then.</li>
 * <li>Producer errors (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS) apply to every
 *     partition of the transaction; PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.</li>
 * <li>verify_only answers TRANSACTION_ABORTABLE for partitions not in the open transaction. v4+ without verify_only
 *     is a partition leader adding the partitions of a Transactions V2 produce (KIP-890 part 2).</li>
 * <li>Authorization as Kafka: v4+ (from brokers) needs CLUSTER_ACTION (CLUSTER_AUTHORIZATION_FAILED for the
 *     request). v0-v3 need WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every
 *     partition) and on each topic (TOPIC_AUTHORIZATION_FAILED, the others OPERATION_NOT_ATTEMPTED).</li>
 * </ul>
 */
public final class AddPartitionsToTxnHandler implements Handler<AddPartitionsToTxnRequest> {
    private final LogStore store;
    private final Coordinators coordinators;
    private final Authorization authorization;

    public AddPartitionsToTxnHandler(LogStore store, Coordinators coordinators, Authorization authorization) {
        this.store = store;
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_PARTITIONS_TO_TXN;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, AddPartitionsToTxnRequest body) {
        if (body.version() >= 4 && !authorization.allowedOnCluster(request, AclOperation.CLUSTER_ACTION)) {
            return Authorization.refused(body, Errors.CLUSTER_AUTHORIZATION_FAILED);
        }
        // v0-v3 become one transaction of the v4 form (normalizing a v4+ request would replace its transactions by an empty one)
        AddPartitionsToTxnRequest normalized = body.version() < 4 ? body.normalizeRequest() : body;
        List<CompletableFuture<AddPartitionsToTxnResult>> results = new ArrayList<>();
        for (AddPartitionsToTxnTransaction t : normalized.data().transactions()) {
            results.add(handle(request, t, body.version()));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
            AddPartitionsToTxnResponseData data = new AddPartitionsToTxnResponseData();
            if (body.version() < 4) {
                data.setResultsByTopicV3AndBelow(results.get(0).join().topicResults());
            } else {
                results.forEach(r -> data.resultsByTransaction().add(r.join()));
            }
            return new AddPartitionsToTxnResponse(data);
        });
    }

    private CompletableFuture<AddPartitionsToTxnResult> handle(KafkaRequest request, AddPartitionsToTxnTransaction t, short version) {
        Set<TopicPartition> partitions = new HashSet<>(AddPartitionsToTxnRequest.getPartitions(t.topics()));
        Set<String> denied = Set.of();
        if (version < 4 && authorization.enabled()) { // older versions come from producers; v4+ from brokers, checked above
            if (!authorization.allowed(request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, t.transactionalId())) {
                Map<TopicPartition, Errors> all = new HashMap<>();
                partitions.forEach(tp -> all.put(tp, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
                return CompletableFuture.completedFuture(AddPartitionsToTxnResponse.resultForTransaction(t.transactionalId(), all));
            }
            denied = authorization.denied(request, AclOperation.WRITE, ResourceType.TOPIC, partitions,
                    tp -> Topic.isInternal(tp.topic()) ? null : tp.topic()); // Kafka asks nothing about its internal topics
        }
        Map<TopicPartition, Errors> unknown = new HashMap<>(); // and partitions not to be written
        for (TopicPartition tp : partitions) {
            if (denied.contains(tp.topic())) {
                unknown.put(tp, Errors.TOPIC_AUTHORIZATION_FAILED);
            } else if (!store.exists(tp)) { // in cluster mode, a partition of other brokers is as good
                unknown.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            }
        }
        if (!unknown.isEmpty()) {
            partitions.forEach(tp -> unknown.putIfAbsent(tp, Errors.OPERATION_NOT_ATTEMPTED));
            return CompletableFuture.completedFuture(AddPartitionsToTxnResponse.resultForTransaction(t.transactionalId(), unknown));
        }
        CompletableFuture<Map<TopicPartition, Errors>> errors = t.verifyOnly()
                ? coordinators.transactions().verifyPartitions(t.transactionalId(), t.producerId(), t.producerEpoch(), partitions)
                : coordinators.transactions().addPartitions(t.transactionalId(), t.producerId(), t.producerEpoch(), partitions, version >= 4).thenApply(e -> {
                    Map<TopicPartition, Errors> all = new HashMap<>();
                    partitions.forEach(tp -> all.put(tp, e));
                    return all;
                });
        return errors.thenApply(all -> {
            all.replaceAll((tp, e) -> TransactionErrors.forVersion(e, version, 2));
            return AddPartitionsToTxnResponse.resultForTransaction(t.transactionalId(), all);
        });
    }
}
