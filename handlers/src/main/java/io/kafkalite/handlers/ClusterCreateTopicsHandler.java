package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;

/**
 * CreateTopics, v2-v7, in cluster mode: checked as Kafka's controller checks (replication factor against the unfenced
 * brokers: INVALID_REPLICATION_FACTOR with Kafka's message; manual assignments: registered brokers, consecutive
 * partitions, one replication factor), placed by {@link ReplicaPlacer} and proposed to the quorum; answered once the
 * quorum applied it (each broker's log store follows through its {@link TopicReconciler}). {@code validate_only}
 * proposes nothing. Authorization and answers (configs v5+, topic id v7) as on one broker: {@link CreateTopicsAnswers}.
 */
public final class ClusterCreateTopicsHandler implements Handler<CreateTopicsRequest> {
    private final MetadataQuorum quorum;
    private final ClusterTopicCreator creator;
    private final ConfigDescriber describer;
    private final Authorization authorization;

    public ClusterCreateTopicsHandler(MetadataQuorum quorum, ClusterTopicCreator creator, DynamicBrokerConfig config, Authorization authorization) {
        this.quorum = quorum;
        this.creator = creator;
        this.describer = new ConfigDescriber(config);
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_TOPICS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, CreateTopicsRequest body) {
        MetadataImage image = quorum.image();
        CreateTopicsAnswers answers = new CreateTopicsAnswers(request, body, authorization, describer);
        List<CompletableFuture<CreatableTopicResult>> results = new ArrayList<>();
        for (CreatableTopic t : body.data().topics()) {
            CreatableTopicResult result = CreateTopicsAnswers.unanswered(t);
            try {
                answers.checkRequest(t);
                results.add(create(image, t, body.data().validateOnly(), answers, result));
            } catch (ApiException e) {
                results.add(CompletableFuture.completedFuture(CreateTopicsAnswers.failed(result, new ApiError(Errors.forException(e), e.getMessage()))));
            }
        }
        return QuorumSubmit.all(results).thenApply(v -> {
            CreateTopicsResponseData data = new CreateTopicsResponseData();
            results.forEach(r -> data.topics().add(r.join()));
            return new CreateTopicsResponse(data);
        });
    }

    private CompletableFuture<CreatableTopicResult> create(MetadataImage image, CreatableTopic t, boolean validateOnly,
                                                           CreateTopicsAnswers answers, CreatableTopicResult result) {
        Map<String, String> configs = CreateTopicsAnswers.configs(t);
        ClusterTopicCreator.Plan plan = creator.plan(image, t.name(), t.numPartitions(), t.replicationFactor(), manual(t), configs);
        CompletableFuture<ApiError> outcome = validateOnly ? CompletableFuture.completedFuture(ApiError.NONE)
                : QuorumSubmit.submit(quorum, plan.record());
        return outcome.thenApply(error -> {
            if (error.isFailure()) {
                return CreateTopicsAnswers.failed(result, error);
            }
            Uuid id = validateOnly ? Uuid.ZERO_UUID : plan.record().id();
            return answers.created(result, new Topic(t.name(), id, plan.partitions(), configs), plan.replicationFactor());
        });
    }

    /** The request's manual assignment in partition order (empty for none), after Kafka's request-level checks. */
    private static List<List<Integer>> manual(CreatableTopic t) {
        if (t.assignments().isEmpty()) {
            return List.of();
        }
        if (t.replicationFactor() != -1) {
            throw new InvalidRequestException("A manual partition assignment was specified, but replication factor was not set to -1.");
        }
        if (t.numPartitions() != -1) {
            throw new InvalidRequestException("A manual partition assignment was specified, but numPartitions was not set to -1.");
        }
        TreeMap<Integer, List<Integer>> byPartition = new TreeMap<>();
        for (CreatableReplicaAssignment a : t.assignments()) {
            if (byPartition.put(a.partitionIndex(), a.brokerIds()) != null) {
                throw new InvalidReplicaAssignmentException("Found multiple manual partition assignments for partition " + a.partitionIndex());
            }
        }
        if (byPartition.firstKey() != 0 || byPartition.lastKey() != byPartition.size() - 1) {
            throw new InvalidReplicaAssignmentException("partitions should be a consecutive 0-based integer sequence");
        }
        return new ArrayList<>(byPartition.values());
    }
}
