package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
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
import org.apache.kafka.common.requests.ApiError;

/**
 * AlterPartitionReassignments, v0-v1, in cluster mode: each partition's target is checked as Kafka's controller checks
 * it (known topic and partition; no empty or duplicated list; registered brokers only; cancelling needs a
 * reassignment in progress) and proposed as a {@link MetadataRecord.Reassign} (null target: cancel); answered once
 * applied. The new replicas catch up, join the ISR, and the applier then completes the move. ALTER on the cluster,
 * else CLUSTER_AUTHORIZATION_FAILED.
 */
public final class ClusterAlterPartitionReassignmentsHandler implements Handler<AlterPartitionReassignmentsRequest> {
    private final MetadataQuorum quorum;
    private final Authorization authorization;

    public ClusterAlterPartitionReassignmentsHandler(MetadataQuorum quorum, Authorization authorization) {
        this.quorum = quorum;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_PARTITION_REASSIGNMENTS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, AlterPartitionReassignmentsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER)) {
            throw new ClusterAuthorizationException(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        MetadataImage image = quorum.image();
        List<CompletableFuture<ReassignableTopicResponse>> topics = new ArrayList<>();
        for (ReassignableTopic t : body.data().topics()) {
            List<CompletableFuture<ReassignablePartitionResponse>> partitions = new ArrayList<>();
            for (ReassignablePartition p : t.partitions()) {
                CompletableFuture<ApiError> outcome;
                try {
                    outcome = QuorumSubmit.submit(quorum, record(image, t.name(), p));
                } catch (ApiException e) {
                    outcome = CompletableFuture.completedFuture(ApiError.fromThrowable(e));
                }
                partitions.add(outcome.thenApply(e -> new ReassignablePartitionResponse().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(e.error().code()).setErrorMessage(e.isFailure() ? e.message() : null)));
            }
            topics.add(QuorumSubmit.all(partitions).thenApply(v -> {
                ReassignableTopicResponse tr = new ReassignableTopicResponse().setName(t.name());
                partitions.forEach(f -> tr.partitions().add(f.join()));
                return tr;
            }));
        }
        return QuorumSubmit.all(topics).thenApply(v -> {
            AlterPartitionReassignmentsResponseData data = new AlterPartitionReassignmentsResponseData()
                    .setErrorCode(Errors.NONE.code()).setErrorMessage(null)
                    .setAllowReplicationFactorChange(body.data().allowReplicationFactorChange());
            topics.forEach(f -> data.responses().add(f.join()));
            return new AlterPartitionReassignmentsResponse(data);
        });
    }

    /** Kafka's checks, in its order, then the record to propose. */
    private static MetadataRecord.Reassign record(MetadataImage image, String topicName, ReassignablePartition p) {
        TopicImage topic = image.topic(topicName);
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("Unable to find a topic named " + topicName + ".");
        }
        PartitionState state = topic.partition(p.partitionIndex());
        if (state == null) {
            throw new UnknownTopicOrPartitionException("Unable to find partition " + topicName + ":" + p.partitionIndex() + ".");
        }
        if (p.replicas() == null) {
            if (state.adding().isEmpty() && state.removing().isEmpty()) {
                throw new NoReassignmentInProgressException(Errors.NO_REASSIGNMENT_IN_PROGRESS.message());
            }
        } else {
            ClusterTopicCreator.checkManual(image, List.of(p.replicas()), -1);
        }
        return new MetadataRecord.Reassign(topic.id(), p.partitionIndex(), p.replicas());
    }
}
