package io.kafkalite.handlers;

import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.LeaderEpochCache;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * OffsetForLeaderEpoch, v2-v4 (KIP-101, KIP-320: consumers validate their position after a leader change or
 * a restart, and detect log truncation).
 * <ul>
 * <li>This broker leads every partition at epoch {@link PartitionLog#LEADER_EPOCH} (0), from the log start
 *     on, and stamps every batch with it. So the end offset of epoch 0 is the log end offset; any other
 *     epoch is unknown to the log and answered with epoch -1 and end offset -1, as Kafka's epoch cache
 *     answers an epoch above its latest one.</li>
 * <li>{@code current_leader_epoch} (v2+, -1 for none): below ours FENCED_LEADER_EPOCH, above ours
 *     UNKNOWN_LEADER_EPOCH, as Kafka's partition check.</li>
 * <li>UNKNOWN_TOPIC_OR_PARTITION for unknown partitions.</li>
 * <li>Cluster mode ({@link ReplicaManager}): consumers and followers (replica id >= 0, truncating after a leader
 *     change) ask the leader: others answer NOT_LEADER_OR_FOLLOWER, as Kafka; the current leader epoch is checked against the partition's; the answer is the log's leader-epoch
 *     cache (Kafka's semantics: the epoch itself or the largest one below it, and where it ends; -1/-1 if
 *     unknown).</li>
 * <li>Authorization as Kafka: CLUSTER_ACTION on the cluster (a follower) allows every topic; otherwise each
 *     topic needs DESCRIBE, else TOPIC_AUTHORIZATION_FAILED for its partitions. Answers keep the request's
 *     order (Kafka lists refused topics last).</li>
 * </ul>
 */
public final class OffsetForLeaderEpochHandler implements Handler.Immediate<OffsetsForLeaderEpochRequest> {
    private final LogStore store;
    private final Authorization authorization;
    private final ReplicaManager replicas;

    public OffsetForLeaderEpochHandler(LogStore store, Authorization authorization) {
        this(store, authorization, null);
    }

    /** @param replicas the leader side of replication in cluster mode, null on one broker */
    public OffsetForLeaderEpochHandler(LogStore store, Authorization authorization, ReplicaManager replicas) {
        this.store = store;
        this.authorization = authorization;
        this.replicas = replicas;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, OffsetsForLeaderEpochRequest body) {
        Set<String> denied = authorization.allowedOnCluster(request, AclOperation.CLUSTER_ACTION, false) ? Set.of()
                : authorization.denied(request, AclOperation.DESCRIBE, ResourceType.TOPIC, body.data().topics(), OffsetForLeaderTopic::topic);
        OffsetForLeaderEpochResponseData data = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderTopic t : body.data().topics()) {
            OffsetForLeaderTopicResult tr = new OffsetForLeaderTopicResult().setTopic(t.topic());
            for (OffsetForLeaderPartition p : t.partitions()) {
                EpochEndOffset answer = new EpochEndOffset().setPartition(p.partition());
                if (denied.contains(t.topic())) {
                    answer.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
                } else if (replicas != null) {
                    endOffsetAsLeader(answer, new TopicPartition(t.topic(), p.partition()), p);
                } else {
                    endOffset(answer, store.partition(new TopicPartition(t.topic(), p.partition())), p);
                }
                tr.partitions().add(answer);
            }
            data.topics().add(tr);
        }
        return new OffsetsForLeaderEpochResponse(data);
    }

    private void endOffsetAsLeader(EpochEndOffset answer, TopicPartition tp, OffsetForLeaderPartition p) {
        PartitionLog partition = store.partition(tp);
        if (partition == null) {
            answer.setErrorCode(MissingPartition.error(store, tp).code());
            return;
        }
        Errors error = replicas.leaderError(tp, p.currentLeaderEpoch());
        if (error != Errors.NONE) {
            answer.setErrorCode(error.code());
            return;
        }
        LeaderEpochCache.EpochEnd end = partition.endOffsetForEpoch(p.leaderEpoch());
        answer.setErrorCode(Errors.NONE.code()).setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset());
    }

    private static void endOffset(EpochEndOffset answer, PartitionLog partition, OffsetForLeaderPartition p) {
        if (partition == null) {
            answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        } else if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() < PartitionLog.LEADER_EPOCH) {
            answer.setErrorCode(Errors.FENCED_LEADER_EPOCH.code());
        } else if (p.currentLeaderEpoch() > PartitionLog.LEADER_EPOCH) {
            answer.setErrorCode(Errors.UNKNOWN_LEADER_EPOCH.code());
        } else if (p.leaderEpoch() == PartitionLog.LEADER_EPOCH) {
            answer.setErrorCode(Errors.NONE.code()).setLeaderEpoch(PartitionLog.LEADER_EPOCH).setEndOffset(partition.logEndOffset());
        } else { // -1 (undefined) or an epoch this log never had
            answer.setErrorCode(Errors.NONE.code());
        }
    }
}
