package io.kafkalite.handlers;

import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteRecords, v0-v2 (Kafka Streams purges its repartition topics with it).
 * <ul>
 * <li>The partition's log start offset moves to the given offset (-1: the high watermark); whole
 *     segments below it are deleted. The answer carries the new low watermark.</li>
 * <li>OFFSET_OUT_OF_RANGE beyond the high watermark, UNKNOWN_TOPIC_OR_PARTITION for unknown partitions.</li>
 * <li>Cluster mode ({@link ReplicaManager}): only the leader deletes (else NOT_LEADER_OR_FOLLOWER), up to its high
 *     watermark; followers move their log start from the leader's in their fetches.</li>
 * <li>Each topic needs DELETE, else TOPIC_AUTHORIZATION_FAILED (one authorizer call for all topics).</li>
 * </ul>
 */
public final class DeleteRecordsHandler implements Handler.Immediate<DeleteRecordsRequest> {
    private static final Logger log = LoggerFactory.getLogger(DeleteRecordsHandler.class);

    private final LogStore store;
    private final Authorization authorization;
    private final ReplicaManager replicas;

    public DeleteRecordsHandler(LogStore store, Authorization authorization) {
        this(store, authorization, null);
    }

    /** @param replicas the leader side of replication in cluster mode, null on one broker */
    public DeleteRecordsHandler(LogStore store, Authorization authorization, ReplicaManager replicas) {
        this.store = store;
        this.authorization = authorization;
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_RECORDS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DeleteRecordsRequest body) {
        DeleteRecordsResponseData data = new DeleteRecordsResponseData();
        Set<String> denied = authorization.denied(request, AclOperation.DELETE, ResourceType.TOPIC, body.data().topics(), DeleteRecordsTopic::name);
        for (DeleteRecordsTopic t : body.data().topics()) {
            DeleteRecordsTopicResult tr = new DeleteRecordsTopicResult().setName(t.name());
            for (DeleteRecordsPartition p : t.partitions()) {
                DeleteRecordsPartitionResult pr = new DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex()).setLowWatermark(-1);
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                PartitionLog partition = store.partition(tp);
                try {
                    if (denied.contains(t.name())) {
                        pr.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                    } else if (partition == null) {
                        pr.setErrorCode(MissingPartition.error(store, tp).code());
                    } else if (replicas != null && replicas.leaderError(partition.topicPartition(), -1) != Errors.NONE) {
                        pr.setErrorCode(replicas.leaderError(partition.topicPartition(), -1).code());
                    } else if (replicas != null && p.offset() > partition.highWatermark()) {
                        pr.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
                    } else if (replicas != null && p.offset() == -1) { // -1: up to the high watermark, not the log end
                        pr.setErrorCode(Errors.NONE.code()).setLowWatermark(store.deleteRecordsBefore(partition, partition.highWatermark()));
                    } else {
                        pr.setErrorCode(Errors.NONE.code()).setLowWatermark(store.deleteRecordsBefore(partition, p.offset()));
                    }
                } catch (ApiException e) {
                    pr.setErrorCode(Errors.forException(e).code());
                } catch (Exception e) {
                    log.error("DeleteRecords on {}-{} before {} failed", t.name(), p.partitionIndex(), p.offset(), e);
                    pr.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                }
                tr.partitions().add(pr);
            }
            data.topics().add(tr);
        }
        return new DeleteRecordsResponse(data);
    }
}
