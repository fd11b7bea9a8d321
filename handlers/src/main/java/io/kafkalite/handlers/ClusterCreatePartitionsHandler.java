package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * CreatePartitions, v0-v3, in cluster mode: the new partitions get the request's assignments (checked as Kafka checks
 * them: registered brokers, the topic's replication factor) or are placed by {@link ReplicaPlacer} with the topic's
 * replication factor, and are proposed to the quorum; answered once applied. Other errors and authorization as
 * {@link CreatePartitionsHandler}.
 */
public final class ClusterCreatePartitionsHandler implements Handler<CreatePartitionsRequest> {
    private final MetadataQuorum quorum;
    private final ReplicaPlacer placer;
    private final Authorization authorization;

    public ClusterCreatePartitionsHandler(MetadataQuorum quorum, ReplicaPlacer placer, Authorization authorization) {
        this.quorum = quorum;
        this.placer = placer;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_PARTITIONS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, CreatePartitionsRequest body) {
        MetadataImage image = quorum.image();
        Set<String> duplicates = TopicCreator.duplicates(body.data().topics().stream().map(CreatePartitionsTopic::name));
        Set<String> denied = authorization.denied(request, AclOperation.ALTER, ResourceType.TOPIC, body.data().topics(), CreatePartitionsTopic::name);
        List<CompletableFuture<CreatePartitionsTopicResult>> results = new ArrayList<>();
        for (CreatePartitionsTopic t : body.data().topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(t.name()).setErrorCode(Errors.NONE.code());
            CompletableFuture<ApiError> outcome;
            try {
                if (duplicates.contains(t.name())) {
                    throw new InvalidRequestException("Duplicate topic in request: " + t.name());
                }
                if (denied.contains(t.name())) {
                    outcome = CompletableFuture.completedFuture(new ApiError(Errors.TOPIC_AUTHORIZATION_FAILED, null));
                } else {
                    MetadataRecord.CreatePartitions record = grow(image, t);
                    outcome = body.data().validateOnly() ? CompletableFuture.completedFuture(ApiError.NONE) : QuorumSubmit.submit(quorum, record);
                }
            } catch (ApiException e) {
                outcome = CompletableFuture.completedFuture(new ApiError(Errors.forException(e), e.getMessage()));
            }
            results.add(outcome.thenApply(e -> result.setErrorCode(e.error().code()).setErrorMessage(e.isFailure() ? e.message() : null)));
        }
        return QuorumSubmit.all(results).thenApply(v -> {
            CreatePartitionsResponseData data = new CreatePartitionsResponseData();
            results.forEach(r -> data.results().add(r.join()));
            return new CreatePartitionsResponse(data);
        });
    }

    private MetadataRecord.CreatePartitions grow(MetadataImage image, CreatePartitionsTopic t) {
        TopicImage topic = image.topic(t.name());
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("The topic '" + t.name() + "' does not exist.");
        }
        int current = topic.partitions().size();
        if (t.count() < current) {
            throw new InvalidPartitionsException("The topic " + t.name() + " currently has " + current + " partition(s); "
                    + t.count() + " would not be an increase.");
        }
        if (t.count() == current) {
            throw new InvalidPartitionsException("Topic already has " + current + " partition(s).");
        }
        int rf = topic.partitions().get(0).replicas().size();
        List<List<Integer>> added;
        if (t.assignments() != null) {
            if (t.assignments().size() != t.count() - current) {
                throw new InvalidReplicaAssignmentException("Attempted to add " + (t.count() - current) + " additional partition(s), but only "
                        + t.assignments().size() + " assignment(s) were specified.");
            }
            added = t.assignments().stream().map(CreatePartitionsAssignment::brokerIds).toList();
            ClusterTopicCreator.checkManual(image, added, rf);
        } else {
            added = placer.place(image.brokers().values(), t.count() - current, rf);
        }
        return new MetadataRecord.CreatePartitions(topic.id(), added);
    }
}
