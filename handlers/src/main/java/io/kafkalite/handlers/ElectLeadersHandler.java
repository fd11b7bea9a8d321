package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;

/**
 * ElectLeaders, v0-v2 (KIP-183, KIP-460; {@code kafka-leader-election}), answered as Kafka's controller answers
 * for partitions whose only replica leads them.
 * <ul>
 * <li>Preferred and unclean elections (v1+; v0 is preferred): every existing partition already has its
 *     preferred leader, so ELECTION_NOT_NEEDED; UNKNOWN_TOPIC_OR_PARTITION for unknown topics and partitions;
 *     an unknown election type fails the request with INVALID_REQUEST.</li>
 * <li>All partitions (null list): every topic with no partition results, as Kafka leaves out the partitions
 *     that needed no election.</li>
 * <li>ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED for the request and each partition.</li>
 * </ul>
 */
public final class ElectLeadersHandler implements Handler.Immediate<ElectLeadersRequest> {
    private final LogStore store;
    private final Authorization authorization;

    public ElectLeadersHandler(LogStore store, Authorization authorization) {
        this.store = store;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ELECT_LEADERS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, ElectLeadersRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER)) {
            throw new ClusterAuthorizationException(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        try {
            ElectionType.valueOf(body.data().electionType());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Unknown election type " + body.data().electionType());
        }
        ElectLeadersResponseData data = new ElectLeadersResponseData().setErrorCode(Errors.NONE.code());
        if (body.data().topicPartitions() == null) {
            store.topics().forEach(t -> data.replicaElectionResults().add(new ReplicaElectionResult().setTopic(t.name())));
        } else {
            for (TopicPartitions tp : body.data().topicPartitions()) {
                ReplicaElectionResult result = new ReplicaElectionResult().setTopic(tp.topic());
                Topic topic = store.topic(tp.topic());
                for (int p : tp.partitions()) {
                    ApiError error = topic == null ? new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "No such topic as " + tp.topic())
                            : p < 0 || p >= topic.partitions() ? new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "No such partition as " + tp.topic() + "-" + p)
                            : new ApiError(Errors.ELECTION_NOT_NEEDED);
                    result.partitionResult().add(new PartitionResult().setPartitionId(p).setErrorCode(error.error().code())
                            .setErrorMessage(error.message()));
                }
                data.replicaElectionResults().add(result);
            }
        }
        return new ElectLeadersResponse(data);
    }
}
