package io.kafkalite.handlers;

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
 * <li>Each topic needs DESCRIBE, else its partitions get TOPIC_AUTHORIZATION_FAILED (one authorizer call).</li>
 * </ul>
 */
public final class ListOffsetsHandler implements Handler.Immediate<ListOffsetsRequest> {
    private static final Logger log = LoggerFactory.getLogger(ListOffsetsHandler.class);

    private final LogStore store;
    private final Authorization authorization;

    public ListOffsetsHandler(LogStore store, Authorization authorization) {
        this.store = store;
        this.authorization = authorization;
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
                tr.partitions().add(answer(new TopicPartition(t.name(), p.partitionIndex()), p,
                        body.isolationLevel() == org.apache.kafka.common.IsolationLevel.READ_COMMITTED));
            }
            data.topics().add(tr);
        }
        if (body.version() < 4) { // leader epochs exist from v4; older versions cannot carry one
            data.topics().forEach(t -> t.partitions().forEach(p -> p.setLeaderEpoch(-1)));
        }
        return new ListOffsetsResponse(data);
    }

    private ListOffsetsPartitionResponse answer(TopicPartition tp, ListOffsetsPartition p, boolean readCommitted) {
        ListOffsetsPartitionResponse r = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                .setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
        PartitionLog partition = store.partition(tp);
        if (partition == null) {
            return r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        if (p.currentLeaderEpoch() > PartitionLog.LEADER_EPOCH) {
            return r.setErrorCode(Errors.UNKNOWN_LEADER_EPOCH.code());
        }
        try {
            long ts = p.timestamp();
            r.setErrorCode(Errors.NONE.code()).setLeaderEpoch(PartitionLog.LEADER_EPOCH);
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
