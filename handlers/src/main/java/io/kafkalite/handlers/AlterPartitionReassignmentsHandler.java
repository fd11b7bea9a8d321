package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsResponse;

/**
 * AlterPartitionReassignments, v0-v1 (KIP-455; {@code kafka-reassign-partitions --execute / --cancel}), answered
 * as Kafka's controller answers on a cluster of this one broker.
 * <ul>
 * <li>Target replicas {@code [this broker]}: the partition is already there, success with nothing to do.</li>
 * <li>Any other broker id, a duplicate or an empty list: INVALID_REPLICA_ASSIGNMENT with Kafka's message (no
 *     such broker is registered).</li>
 * <li>Cancelling (null replicas): NO_REASSIGNMENT_IN_PROGRESS, since none is ever ongoing.</li>
 * <li>UNKNOWN_TOPIC_OR_PARTITION for unknown topics and partitions.</li>
 * <li>ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED for the whole request.</li>
 * </ul>
 */
public final class AlterPartitionReassignmentsHandler implements Handler.Immediate<AlterPartitionReassignmentsRequest> {
    private final LogStore store;
    private final ClusterInfo cluster;
    private final Authorization authorization;

    public AlterPartitionReassignmentsHandler(LogStore store, ClusterInfo cluster, Authorization authorization) {
        this.store = store;
        this.cluster = cluster;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_PARTITION_REASSIGNMENTS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, AlterPartitionReassignmentsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER)) {
            throw new ClusterAuthorizationException(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        AlterPartitionReassignmentsResponseData data = new AlterPartitionReassignmentsResponseData()
                .setErrorCode(Errors.NONE.code()).setErrorMessage(null)
                .setAllowReplicationFactorChange(body.data().allowReplicationFactorChange());
        for (ReassignableTopic t : body.data().topics()) {
            ReassignableTopicResponse tr = new ReassignableTopicResponse().setName(t.name());
            for (ReassignablePartition p : t.partitions()) {
                ReassignablePartitionResponse pr = new ReassignablePartitionResponse().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(Errors.NONE.code()).setErrorMessage(null);
                try {
                    check(t.name(), p);
                } catch (ApiException e) {
                    pr.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
                }
                tr.partitions().add(pr);
            }
            data.responses().add(tr);
        }
        return new AlterPartitionReassignmentsResponse(data);
    }

    /** Kafka's checks, in its order; a valid target can only be this broker, where the partition already is. */
    private void check(String topicName, ReassignablePartition p) {
        Topic topic = store.topic(topicName);
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("Unable to find a topic named " + topicName + ".");
        }
        if (p.partitionIndex() < 0 || p.partitionIndex() >= topic.partitions()) {
            throw new UnknownTopicOrPartitionException("Unable to find partition " + topicName + ":" + p.partitionIndex() + ".");
        }
        List<Integer> replicas = p.replicas();
        if (replicas == null) {
            throw new NoReassignmentInProgressException(Errors.NO_REASSIGNMENT_IN_PROGRESS.message());
        }
        if (replicas.isEmpty()) {
            throw new InvalidReplicaAssignmentException("The manual partition assignment includes an empty replica list.");
        }
        Integer previous = null;
        for (int id : replicas.stream().sorted().toList()) {
            if (id != cluster.nodeId()) {
                throw new InvalidReplicaAssignmentException("The manual partition assignment includes broker " + id
                        + ", but no such broker is registered.");
            }
            if (previous != null && previous == id) {
                throw new InvalidReplicaAssignmentException("The manual partition assignment includes the broker " + id
                        + " more than once.");
            }
            previous = id;
        }
    }
}
