package io.kafkalite.handlers;

import io.kafkalite.logstore.AppendResult;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.CloseConnectionException;
import io.kafkalite.wire.KafkaRequest;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.handlers.replication.LeaderHints;
import io.kafkalite.handlers.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequiredAcksException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.UnsupportedCompressionTypeException;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce, v3-v13 (v13 names topics by id, KIP-516).
 * <ul>
 * <li>acks 0, 1 and -1. On one broker -1 means what 1 means: the batch is in the OS (written, fsynced
 *     only per {@code flush.messages}/{@code flush.ms}) before the answer, so a broker crash loses
 *     nothing acknowledged; {@code min.insync.replicas} counts at most the replication factor (Kafka's
 *     effective min ISR), so here it is always met. acks=0 has no response; if such a produce
 *     fails the connection is closed, as Kafka does, so the client notices.</li>
 * <li>Each partition's data is checked (exactly one v2 batch, CRC, sizes, record count, timestamps,
 *     keys on compacted topics) and fails alone with CORRUPT_MESSAGE, INVALID_RECORD,
 *     MESSAGE_TOO_LARGE or INVALID_TIMESTAMP; other partitions of the request still append.</li>
 * <li>Idempotent producers: duplicates get the original offsets, gaps OUT_OF_ORDER_SEQUENCE_NUMBER,
 *     old epochs INVALID_PRODUCER_EPOCH.</li>
 * <li>zstd before v7 gives UNSUPPORTED_COMPRESSION_TYPE.</li>
 * <li>Transactional batches (KIP-890): a partition where the producer's transaction is not open yet is
 *     first checked with the transaction coordinator (v12+, Transactions V2: added to the transaction);
 *     the append then goes through only if no marker came in between. Coordinator errors are answered
 *     as Kafka does: PRODUCER_FENCED as INVALID_PRODUCER_EPOCH, TRANSACTION_ABORTABLE as INVALID_TXN_STATE
 *     before v11, CONCURRENT_TRANSACTIONS and coordinator unavailability as NOT_ENOUGH_REPLICAS (the
 *     producer retries).</li>
 * <li>Cluster mode ({@link ReplicaManager}): only the partition's leader appends (else NOT_LEADER_OR_FOLLOWER,
 *     with KIP-951's leader and its endpoint from v10); acks=-1 first needs an ISR of at least
 *     min(min.insync.replicas, replication factor) (else NOT_ENOUGH_REPLICAS, nothing appended), then waits until
 *     the high watermark passes the batch (it does not move while the ISR is below that): NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below it meanwhile, REQUEST_TIMED_OUT
 *     after the request's timeout, NOT_LEADER_OR_FOLLOWER if leadership moved. acks=1 answers after the local
 *     append, as on one broker.</li>
 * <li>Authorization (as Kafka): a request with transactional batches needs WRITE on its transactional id,
 *     else the whole request fails with TRANSACTIONAL_ID_AUTHORIZATION_FAILED; each topic needs WRITE, else
 *     its partitions get TOPIC_AUTHORIZATION_FAILED (before UNKNOWN_TOPIC_OR_PARTITION, so existence is not
 *     revealed; an unknown topic id stays UNKNOWN_TOPIC_ID). All topics are asked in one authorizer call.
 *     acks=0 closes the connection on these failures, as on any other.</li>
 * </ul>
 */
public final class ProduceHandler implements Handler<ProduceRequest> {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final LogStore store;
    private final Coordinators coordinators;
    private final Executor requestHandlers;
    private final Authorization authorization;
    /** Cluster mode: leadership, min.insync.replicas and acks=all waits; null on one broker. */
    private final ReplicaManager replicas;

    /** @param requestHandlers where appends that waited for the transaction coordinator run */
    public ProduceHandler(LogStore store, Coordinators coordinators, Executor requestHandlers, Authorization authorization) {
        this(store, coordinators, requestHandlers, authorization, null);
    }

    /** @param replicas the leader side of replication in cluster mode, null on one broker */
    public ProduceHandler(LogStore store, Coordinators coordinators, Executor requestHandlers, Authorization authorization,
                          ReplicaManager replicas) {
        this.store = store;
        this.coordinators = coordinators;
        this.requestHandlers = requestHandlers;
        this.authorization = authorization;
        this.replicas = replicas;
    }

    /** A transactional batch that waits for the coordinator before its append. */
    private record Unverified(PartitionLog partition, MemoryRecords records, Object guard, PartitionProduceResponse response) { }

    /** Cluster mode, acks=all: a partition appended on the leader at {@code epoch} that waits for the ISR up to {@code lastOffset}. */
    private record Replicating(PartitionLog partition, int epoch, long lastOffset, PartitionProduceResponse response) { }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.PRODUCE;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ProduceRequest body) {
        CompletableFuture<Void> roles = replicas == null ? null : replicas.awaitLeaderRoles(partitions(body));
        if (roles == null) {
            return handleNow(request, body);
        }
        // cluster mode: this node leads a partition in the latest image but has not taken that role yet
        return roles.thenComposeAsync(taken -> handleNow(request, body), this::onRequestHandler);
    }

    private static List<TopicIdPartition> partitions(ProduceRequest body) {
        List<TopicIdPartition> all = new ArrayList<>();
        for (TopicProduceData td : body.data().topicData()) {
            for (PartitionProduceData pd : td.partitionData()) {
                all.add(new TopicIdPartition(td.topicId(), pd.index(), td.name()));
            }
        }
        return all;
    }

    private void onRequestHandler(Runnable runnable) {
        try {
            requestHandlers.execute(runnable);
        } catch (java.util.concurrent.RejectedExecutionException full) {
            runnable.run(); // the pool is full: go on on the completing thread rather than lose the request
        }
    }

    private CompletableFuture<AbstractResponse> handleNow(KafkaRequest request, ProduceRequest body) {
        short acks = body.acks();
        ProduceResponseData response = new ProduceResponseData();
        long now = System.currentTimeMillis();
        boolean byId = body.version() >= 13;
        Set<String> denied = Set.of();
        if (authorization.enabled()) {
            if (RequestUtils.hasTransactionalRecords(body) && (body.transactionalId() == null
                    || !authorization.allowed(request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId()))) {
                return transactionalIdDenied(body);
            }
            denied = authorization.denied(request, AclOperation.WRITE, ResourceType.TOPIC, body.data().topicData(),
                    td -> byId ? Handlers.topicName(store, td.topicId()) : td.name(), td -> td.partitionData().size(), true);
        }
        List<Unverified> unverified = new ArrayList<>();
        List<Replicating> replicating = new ArrayList<>();
        for (TopicProduceData td : body.data().topicData()) {
            Topic topic = byId ? store.topic(td.topicId()) : store.topic(td.name());
            boolean topicDenied = !denied.isEmpty() && denied.contains(topic != null ? topic.name() : td.name());
            TopicProduceResponse tr = new TopicProduceResponse().setName(td.name()).setTopicId(td.topicId());
            for (PartitionProduceData pd : td.partitionData()) {
                PartitionProduceResponse pr = new PartitionProduceResponse().setIndex(pd.index());
                try {
                    if (topic == null && byId) {
                        error(pr, Errors.UNKNOWN_TOPIC_ID);
                    } else if (topicDenied) {
                        error(pr, Errors.TOPIC_AUTHORIZATION_FAILED);
                    } else if (topic == null) {
                        error(pr, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                    } else if (acks != 0 && acks != 1 && acks != -1) {
                        throw new InvalidRequiredAcksException("Invalid required acks " + acks);
                    } else {
                        append(body, topic, pd, acks, now, pr, unverified, replicating);
                    }
                } catch (Exception e) {
                    fail(pr, e, td.name(), pd.index());
                }
                tr.partitionResponses().add(pr);
            }
            response.responses().add(tr);
        }
        if (unverified.isEmpty()) {
            if (replicas != null) {
                return replicated(request, body, response, replicating);
            }
            try {
                return CompletableFuture.completedFuture(respond(response, acks));
            } catch (CloseConnectionException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return verify(body, unverified).thenComposeAsync(errors -> {
            for (Unverified u : unverified) {
                Errors error = errors.getOrDefault(u.partition().topicPartition(), Errors.NONE);
                try {
                    if (error != Errors.NONE) {
                        throw producerError(error, body.version());
                    }
                    int epoch = u.partition().leaderEpoch();
                    AppendResult result = store.append(u.partition(), u.records(), now, u.guard());
                    appended(u.response(), result);
                    leaderAppended(u.partition(), epoch, acks, result, u.response(), replicating);
                } catch (Exception e) {
                    fail(u.response(), e, u.partition().topicPartition().topic(), u.partition().topicPartition().partition());
                }
            }
            if (replicas != null) {
                return replicated(request, body, response, replicating);
            }
            return CompletableFuture.completedFuture(respond(response, acks));
        }, this::onRequestHandler); // the pool full: append on the coordinator's callback rather than lose the request
    }

    /**
     * Cluster mode: waits until the ISR has every acks=all partition (each keeps the error it ends with), then
     * answers with KIP-951's leader hints for partitions this broker does not lead.
     */
    private CompletableFuture<AbstractResponse> replicated(KafkaRequest request, ProduceRequest body, ProduceResponseData response,
                                                          List<Replicating> replicating) {
        CompletableFuture<?>[] waits = new CompletableFuture<?>[replicating.size()];
        for (int i = 0; i < waits.length; i++) {
            Replicating r = replicating.get(i);
            waits[i] = replicas.awaitReplication(r.partition(), r.epoch(), r.lastOffset(), body.timeout()).thenAccept(error -> {
                if (error != Errors.NONE) {
                    r.response().setErrorCode(error.code()).setErrorMessage(error.message());
                }
            });
        }
        return CompletableFuture.allOf(waits).thenApply(done -> {
            LeaderHints.addTo(response, body.version(), request.context().listenerName, replicas);
            return respond(response, body.acks());
        });
    }

    /** Cluster mode: acks=all waits for the ISR. */
    private void leaderAppended(PartitionLog partition, int epoch, short acks, AppendResult result, PartitionProduceResponse pr,
                                List<Replicating> replicating) {
        if (replicas != null && acks == -1) {
            replicating.add(new Replicating(partition, epoch, result.lastOffset(), pr));
        }
    }

    /** Kafka's answer when the transactional id may not be written: the whole request fails (acks=0: the connection closes). */
    private static CompletableFuture<AbstractResponse> transactionalIdDenied(ProduceRequest body) {
        if (body.acks() == 0) {
            return CompletableFuture.failedFuture(new CloseConnectionException("a produce with acks=0 was not authorized"));
        }
        return CompletableFuture.completedFuture(body.getErrorResponse(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.exception()));
    }

    private static void error(PartitionProduceResponse pr, Errors error) {
        pr.setErrorCode(error.code()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
    }

    private static AbstractResponse respond(ProduceResponseData response, short acks) {
        boolean anyError = response.responses().stream().anyMatch(t -> t.partitionResponses().stream().anyMatch(p -> p.errorCode() != 0));
        if (acks == 0) {
            if (anyError) {
                throw new CloseConnectionException("a produce with acks=0 failed");
            }
            return null;
        }
        return new ProduceResponse(response);
    }

    private static void fail(PartitionProduceResponse pr, Exception e, String topic, int partition) {
        if (e instanceof ApiException) {
            pr.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
        } else {
            log.error("Append to {}-{} failed", topic, partition, e);
            pr.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.toString());
        }
        pr.setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
    }

    /** Asks the coordinator about the partitions whose transaction is not open yet (v12+: adds them, Transactions V2). */
    private CompletableFuture<Map<TopicPartition, Errors>> verify(ProduceRequest body, List<Unverified> unverified) {
        RecordBatch batch = unverified.get(0).records().batches().iterator().next();
        Set<TopicPartition> partitions = new HashSet<>();
        unverified.forEach(u -> partitions.add(u.partition().topicPartition()));
        String transactionalId = body.transactionalId();
        if (transactionalId == null) {
            Map<TopicPartition, Errors> all = new HashMap<>();
            partitions.forEach(tp -> all.put(tp, Errors.INVALID_TXN_STATE));
            return CompletableFuture.completedFuture(all);
        }
        boolean v2 = body.version() > ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2;
        Coordinators.RemoteTransactions remote = coordinators.remote();
        if (remote != null && !coordinators.isActive()) { // a cluster broker that does not coordinate asks the one that does
            return remote.addPartitions(transactionalId, batch.producerId(), batch.producerEpoch(), partitions, !v2);
        }
        if (v2) {
            return coordinators.transactions().addPartitions(transactionalId, batch.producerId(), batch.producerEpoch(), partitions, true).thenApply(e -> {
                Map<TopicPartition, Errors> all = new HashMap<>();
                partitions.forEach(tp -> all.put(tp, e));
                return all;
            });
        }
        return coordinators.transactions().verifyPartitions(transactionalId, batch.producerId(), batch.producerEpoch(), partitions);
    }

    /** The produce answer Kafka gives for a failed verification. */
    private static ApiException producerError(Errors error, short version) {
        return switch (error) {
            case PRODUCER_FENCED -> Errors.INVALID_PRODUCER_EPOCH.exception();
            case TRANSACTION_ABORTABLE -> version >= 11 ? error.exception() : Errors.INVALID_TXN_STATE.exception("Partition was not added to the transaction");
            case CONCURRENT_TRANSACTIONS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS ->
                    new NotEnoughReplicasException("Unable to verify the partition has been added to the transaction. Underlying error: " + error);
            default -> error.exception();
        };
    }

    private static void appended(PartitionProduceResponse pr, AppendResult result) {
        pr.setErrorCode(Errors.NONE.code()).setBaseOffset(result.baseOffset())
                .setLogAppendTimeMs(result.logAppendTime() == RecordBatch.NO_TIMESTAMP ? -1 : result.logAppendTime())
                .setLogStartOffset(result.logStartOffset());
    }

    private void append(ProduceRequest body, Topic topic, PartitionProduceData pd, short acks, long now, PartitionProduceResponse pr,
                        List<Unverified> unverified, List<Replicating> replicating) throws java.io.IOException {
        TopicPartition tp = new TopicPartition(topic.name(), pd.index());
        PartitionLog partition = store.partition(tp);
        if (partition == null) {
            pr.setErrorCode(MissingPartition.error(store, tp).code());
            return;
        }
        if (replicas != null) {
            Errors notLeader = replicas.leaderError(partition.topicPartition(), -1);
            if (notLeader != Errors.NONE) {
                throw notLeader.exception();
            }
            if (acks == -1 && replicas.enoughReplicas(partition) == Errors.NOT_ENOUGH_REPLICAS) {
                throw new NotEnoughReplicasException("The size of the current ISR is insufficient to satisfy the min.isr requirement of "
                        + replicas.minIsr(partition) + " for partition " + partition.topicPartition());
            }
        } // one broker: its topics have one replica, so the effective min.insync.replicas is 1 (Kafka's min(config, replicas))
        MemoryRecords records = (MemoryRecords) pd.records();
        try {
            ProduceRequest.validateRecords(body.version(), records);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidRecordException(e.getMessage());
        }
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.compressionType() == CompressionType.ZSTD && body.version() < 7) {
                throw new UnsupportedCompressionTypeException("Produce requests before v7 may not use zstd");
            }
        }
        RecordBatch first = records.batches().iterator().hasNext() ? records.batches().iterator().next() : null;
        Object guard = first != null && first.isTransactional() ? partition.transactionGuard(first.producerId(), first.producerEpoch()) : null;
        if (guard != null) {
            unverified.add(new Unverified(partition, records, guard, pr));
            return;
        }
        int epoch = partition.leaderEpoch(); // read before: a leadership lost and regained in between fails the wait, never the data
        AppendResult result = store.append(partition, records, now);
        appended(pr, result);
        leaderAppended(partition, epoch, acks, result, pr, replicating);
    }
}
