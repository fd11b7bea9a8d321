package io.kafkalite.handlers;

import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ListOffsets, v1-v11.
 * <ul>
 * <li>-2 earliest and -4 earliest-local: the log start offset. -1 latest: the high watermark, or the
 *     last stable offset for read_committed (v2+). -3 max timestamp (v7+, KIP-734): the first record with
 *     the largest timestamp. -5 latest-tiered and -6 earliest-pending-upload: -1, there is no tiered
 *     storage.</li>
 * <li>A timestamp >= 0: the first record whose timestamp is >= it, found through the time index and
 *     the batches' max timestamps; none gives offset -1 and timestamp -1, as Kafka does.</li>
 * <li>UNKNOWN_TOPIC_OR_PARTITION for unknown partitions, UNKNOWN_LEADER_EPOCH for a leader epoch from
 *     the future (v4+).</li>
 * <li>Cluster mode ({@link ReplicaManager}): only the leader answers (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH,
 *     UNKNOWN_LEADER_EPOCH as Kafka; replica id -2, a debugging client, may ask any replica), with its leader epoch;
 *     a new leader whose high watermark has not reached its epoch's start answers OFFSET_NOT_AVAILABLE for -1 (latest);
 *     nothing at or past the high watermark (read_committed: the last stable offset) is found by timestamp. A
 *     follower (replica id >= 0) is answered the log end for -1, as Kafka answers requests without an isolation
 *     level.</li>
 * <li>Each topic needs DESCRIBE, else its partitions get TOPIC_AUTHORIZATION_FAILED (one authorizer call).</li>
 * </ul>
 */
public final class ListOffsetsHandler implements Handler.Immediate<ListOffsetsRequest> {
    private static final Logger log = LoggerFactory.getLogger(ListOffsetsHandler.class);

    private final LogStore store;
    private final Authorization authorization;
    private final ReplicaManager replicas;

    public ListOffsetsHandler(LogStore store, Authorization authorization) {
        this(store, authorization, null);
    }

    /** @param replicas the leader side of replication in cluster mode, null on one broker */
    public ListOffsetsHandler(LogStore store, Authorization authorization, ReplicaManager replicas) {
        this.store = store;
        this.authorization = authorization;
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_OFFSETS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, ListOffsetsRequest body) {
        ListOffsetsResponseData data = new ListOffsetsResponseData();
        Set<String> denied = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.TOPIC, body.data().topics(), ListOffsetsTopic::name);
        for (ListOffsetsTopic t : body.data().topics()) {
            ListOffsetsTopicResponse tr = new ListOffsetsTopicResponse().setName(t.name());
            for (ListOffsetsPartition p : t.partitions()) {
                if (denied.contains(t.name())) {
                    tr.partitions().add(new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1));
                    continue;
                }
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                boolean readCommitted = body.isolationLevel() == org.apache.kafka.common.IsolationLevel.READ_COMMITTED;
                tr.partitions().add(replicas == null ? answer(tp, p, readCommitted) : answerAsLeader(tp, p, readCommitted, body.replicaId()));
            }
            data.topics().add(tr);
        }
        if (body.version() < 4) { // leader epochs exist from v4; older versions cannot carry one
            data.topics().forEach(t -> t.partitions().forEach(p -> p.setLeaderEpoch(-1)));
        }
        return new ListOffsetsResponse(data);
    }

    /**
     * Cluster mode: the leader's checks, then the answer with its epoch and bounded by its high watermark (Kafka's
     * Partition.fetchOffsetForTimestamp: OFFSET_NOT_AVAILABLE for "latest", or for a record found past the fetchable
     * end, while a new leader's high watermark is below its epoch's start).
     */
    private ListOffsetsPartitionResponse answerAsLeader(TopicPartition tp, ListOffsetsPartition p, boolean readCommitted, int replicaId) {
        PartitionLog partition = store.partition(tp);
        boolean debugging = replicaId == ListOffsetsRequest.DEBUGGING_REPLICA_ID;
        Errors error = partition == null ? MissingPartition.error(store, tp) : debugging ? Errors.NONE : replicas.leaderError(tp, p.currentLeaderEpoch());
        ListOffsetsPartitionResponse r = error != Errors.NONE ? null : answer(tp, p, readCommitted, replicas.leaderEpoch(tp));
        if (r != null && replicaId >= 0) { // a follower (no isolation level in Kafka): "latest" is the log end
            if (p.timestamp() == ListOffsetsRequest.LATEST_TIMESTAMP && r.errorCode() == Errors.NONE.code()) {
                r.setOffset(partition.logEndOffset());
            }
        } else if (r != null && !debugging) {
            long fetchable = readCommitted ? partition.lastStableOffset() : partition.highWatermark();
            boolean lookup = p.timestamp() >= 0 || p.timestamp() == ListOffsetsRequest.MAX_TIMESTAMP;
            if ((p.timestamp() == ListOffsetsRequest.LATEST_TIMESTAMP || (lookup && r.offset() >= fetchable))
                    && !replicas.offsetsAvailable(partition)) {
                error = Errors.OFFSET_NOT_AVAILABLE;
            } else if (lookup && r.offset() >= fetchable) { // not readable yet: Kafka does not find it
                r.setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
            }
        }
        if (error != Errors.NONE) {
            return new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex()).setTimestamp(-1).setOffset(-1)
                    .setLeaderEpoch(-1).setErrorCode(error.code());
        }
        return r;
    }

    private ListOffsetsPartitionResponse answer(TopicPartition tp, ListOffsetsPartition p, boolean readCommitted) {
        return answer(tp, p, readCommitted, PartitionLog.LEADER_EPOCH);
    }

    private ListOffsetsPartitionResponse answer(TopicPartition tp, ListOffsetsPartition p, boolean readCommitted, int leaderEpoch) {
        ListOffsetsPartitionResponse r = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                .setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
        PartitionLog partition = store.partition(tp);
        if (partition == null) {
            return r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        if (replicas == null && p.currentLeaderEpoch() > PartitionLog.LEADER_EPOCH) {
            return r.setErrorCode(Errors.UNKNOWN_LEADER_EPOCH.code());
        }
        try {
            long ts = p.timestamp();
            r.setErrorCode(Errors.NONE.code()).setLeaderEpoch(leaderEpoch);
            if (ts == ListOffsetsRequest.EARLIEST_TIMESTAMP || ts == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
                return r.setOffset(partition.logStartOffset());
            }
            if (ts == ListOffsetsRequest.LATEST_TIMESTAMP) {
                return r.setOffset(readCommitted ? partition.lastStableOffset() : partition.highWatermark());
            }
            if (ts == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP || ts == ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP) {
                return r.setLeaderEpoch(-1);
            }
            TimestampAndOffset found = ts == ListOffsetsRequest.MAX_TIMESTAMP ? partition.maxTimestamp() : partition.offsetForTimestamp(ts);
            if (found == null) {
                return r.setLeaderEpoch(-1);
            }
            return r.setTimestamp(found.timestamp).setOffset(found.offset).setLeaderEpoch(found.leaderEpoch.orElse(-1));
        } catch (ApiException e) {
            return r.setErrorCode(Errors.forException(e).code()).setLeaderEpoch(-1);
        } catch (Exception e) {
            log.error("ListOffsets {} at {} failed", tp, p.timestamp(), e);
            return r.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setLeaderEpoch(-1);
        }
    }
}
