package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataQuorum.QuorumInfo;
import io.kafkalite.cluster.MetadataQuorum.ReplicaProgress;
import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Listener;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Node;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ReplicaState;
import org.apache.kafka.common.message.DescribeQuorumResponseData.TopicData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.apache.kafka.common.requests.DescribeQuorumResponse;

/**
 * DescribeQuorum, v0-v2 (KIP-595/836/853; {@code kafka-metadata-quorum describe --status / --replication}), cluster
 * mode only: the admin client sends it to any broker (a Kafka broker forwards it to the controller), and every node
 * here knows the Ratis group: leader, its epoch (the Raft term), the high watermark (the last applied index) and each
 * voter's progress.
 * <ul>
 * <li>Only {@code __cluster_metadata-0} is described; any other partition gets UNKNOWN_TOPIC_OR_PARTITION, as Kafka.</li>
 * <li>While no leader is known the partition answers NOT_LEADER_OR_FOLLOWER (retriable), as a Kafka controller that
 *     does not lead.</li>
 * <li>v2 {@code nodes}: each voter's controller listener from {@code controller.quorum.voters}.</li>
 * <li>DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED.</li>
 * </ul>
 */
public final class DescribeQuorumHandler implements Handler.Immediate<DescribeQuorumRequest> {
    static final String METADATA_TOPIC = "__cluster_metadata";

    private final MetadataQuorum quorum;
    private final ClusterInfo cluster;
    private final Authorization authorization;

    public DescribeQuorumHandler(MetadataQuorum quorum, ClusterInfo cluster, Authorization authorization) {
        this.quorum = quorum;
        this.cluster = cluster;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_QUORUM;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeQuorumRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.DESCRIBE)) {
            return new DescribeQuorumResponse(DescribeQuorumRequest.getTopLevelErrorResponse(Errors.CLUSTER_AUTHORIZATION_FAILED));
        }
        DescribeQuorumResponseData data = new DescribeQuorumResponseData().setErrorCode(Errors.NONE.code());
        for (DescribeQuorumRequestData.TopicData t : body.data().topics()) {
            TopicData topic = new TopicData().setTopicName(t.topicName());
            for (DescribeQuorumRequestData.PartitionData p : t.partitions()) {
                PartitionData partition = new PartitionData().setPartitionIndex(p.partitionIndex());
                if (!METADATA_TOPIC.equals(t.topicName()) || p.partitionIndex() != 0) {
                    partition.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
                } else {
                    describe(partition, quorum.describe());
                }
                topic.partitions().add(partition);
            }
            data.topics().add(topic);
        }
        if (body.version() >= 2) {
            cluster.voters().forEach((id, hp) -> {
                Node node = new Node().setNodeId(id);
                node.listeners().add(new Listener().setName(cluster.controllerListener()).setHost(hp.host()).setPort(hp.port()));
                data.nodes().add(node);
            });
        }
        return new DescribeQuorumResponse(data);
    }

    private static void describe(PartitionData partition, QuorumInfo info) {
        if (info.leaderId() < 0) {
            partition.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()).setErrorMessage("The metadata quorum has no leader right now")
                    .setLeaderId(-1).setLeaderEpoch((int) info.leaderEpoch());
            return;
        }
        partition.setErrorCode(Errors.NONE.code()).setLeaderId(info.leaderId()).setLeaderEpoch((int) info.leaderEpoch())
                .setHighWatermark(info.highWatermark()).setCurrentVoters(states(info.voters())).setObservers(states(info.observers()));
    }

    private static List<ReplicaState> states(List<ReplicaProgress> replicas) {
        return replicas.stream().map(r -> new ReplicaState().setReplicaId(r.nodeId()).setReplicaDirectoryId(Uuid.ZERO_UUID)
                .setLogEndOffset(r.logEndOffset()).setLastFetchTimestamp(r.lastFetchMs()).setLastCaughtUpTimestamp(r.lastCaughtUpMs())).toList();
    }
}
