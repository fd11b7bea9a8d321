package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * CreateTopics, v2-v7, in cluster mode: checked as Kafka's controller checks (replication factor against the unfenced
 * brokers: INVALID_REPLICATION_FACTOR with Kafka's message; manual assignments: registered brokers, consecutive
 * partitions, one replication factor), placed by {@link ReplicaPlacer} and proposed to the quorum; answered once the
 * quorum applied it (each broker's log store follows through its {@link TopicReconciler}). {@code validate_only}
 * proposes nothing. Authorization and answers (configs v5+, topic id v7) as {@link CreateTopicsHandler}.
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
        Set<String> duplicates = TopicCreator.duplicates(body.data().topics().stream().map(CreatableTopic::name));
        Set<String> createDenied = Set.of();
        Set<String> configsDenied = Set.of();
        if (authorization.enabled()) {
            List<String> names = body.data().topics().stream().map(CreatableTopic::name).filter(n -> !duplicates.contains(n)).toList();
            createDenied = authorization.allowedOnCluster(request, AclOperation.CREATE, false) ? Set.of()
                    : authorization.deniedNames(request, AclOperation.CREATE, ResourceType.TOPIC, names);
            configsDenied = authorization.denied(request, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, names, n -> n, false);
        }
        List<CompletableFuture<CreatableTopicResult>> results = new ArrayList<>();
        for (CreatableTopic t : body.data().topics()) {
            CreatableTopicResult result = new CreatableTopicResult().setName(t.name()).setTopicId(Uuid.ZERO_UUID)
                    .setNumPartitions(-1).setReplicationFactor((short) -1);
            try {
                if (duplicates.contains(t.name())) {
                    throw new InvalidRequestException("Create topics request from client contains duplicate topic " + t.name());
                }
                if (createDenied.contains(t.name())) {
                    throw new org.apache.kafka.common.errors.TopicAuthorizationException("Authorization failed.");
                }
                boolean hideConfigs = configsDenied.contains(t.name());
                results.add(create(image, t, body.data().validateOnly(), body.version(), result, hideConfigs));
            } catch (ApiException e) {
                results.add(CompletableFuture.completedFuture(failed(result, new ApiError(Errors.forException(e), e.getMessage()))));
            }
        }
        return QuorumSubmit.all(results).thenApply(v -> {
            CreateTopicsResponseData data = new CreateTopicsResponseData();
            results.forEach(r -> data.topics().add(r.join()));
            return new CreateTopicsResponse(data);
        });
    }

    private CompletableFuture<CreatableTopicResult> create(MetadataImage image, CreatableTopic t, boolean validateOnly, short version,
                                                           CreatableTopicResult result, boolean hideConfigs) {
        Map<String, String> configs = new LinkedHashMap<>();
        for (CreatableTopicConfig c : t.configs()) {
            configs.put(c.name(), c.value());
        }
        ClusterTopicCreator.Plan plan = creator.plan(image, t.name(), t.numPartitions(), t.replicationFactor(), manual(t), configs);
        CompletableFuture<ApiError> outcome = validateOnly ? CompletableFuture.completedFuture(ApiError.NONE)
                : QuorumSubmit.submit(quorum, plan.record());
        return outcome.thenApply(error -> {
            if (error.isFailure()) {
                return failed(result, error);
            }
            Topic topic = new Topic(t.name(), validateOnly ? Uuid.ZERO_UUID : plan.record().id(), plan.partitions(), configs);
            result.setErrorCode(Errors.NONE.code()).setTopicId(topic.id()).setNumPartitions(plan.partitions())
                    .setReplicationFactor(plan.replicationFactor());
            if (hideConfigs) { // created, but its settings are not the principal's to see
                return result.setNumPartitions(-1).setReplicationFactor((short) -1).setConfigs(List.of())
                        .setTopicConfigErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code());
            }
            if (version >= 5) {
                for (DescribeConfigsResourceResult c : describer.topic(topic, false, false)) {
                    result.configs().add(new CreatableTopicConfigs().setName(c.name()).setValue(c.value()).setReadOnly(c.readOnly())
                            .setConfigSource(c.configSource()).setIsSensitive(c.isSensitive()));
                }
            }
            return result;
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

    private static CreatableTopicResult failed(CreatableTopicResult result, ApiError error) {
        return result.setErrorCode(error.error().code()).setErrorMessage(error.message()).setConfigs(null);
    }
}
