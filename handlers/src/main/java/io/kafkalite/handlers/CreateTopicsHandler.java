package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicExistsException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateTopics, v2-v7.
 * <ul>
 * <li>Per topic: INVALID_TOPIC_EXCEPTION for a bad name, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS,
 *     INVALID_REPLICATION_FACTOR (one broker: only 1, or -1 for {@code default.replication.factor}),
 *     INVALID_REPLICA_ASSIGNMENT for manual assignments naming another broker, INVALID_CONFIG for
 *     unknown or invalid configs; a name given twice in one request gets INVALID_REQUEST.</li>
 * <li>{@code validate_only} checks everything and creates nothing.</li>
 * <li>v5+ answers with the partition count, replication factor and every config of the topic; v7 with
 *     the topic id.</li>
 * <li>Authorization (as Kafka): each topic needs CREATE on the cluster or on the topic, else
 *     TOPIC_AUTHORIZATION_FAILED. A topic created by a principal that may not DESCRIBE_CONFIGS it is answered
 *     without partition count, replication factor and configs, with topic_config_error_code
 *     TOPIC_AUTHORIZATION_FAILED (v5+).</li>
 * </ul>
 */
public final class CreateTopicsHandler implements Handler.Immediate<CreateTopicsRequest> {
    private static final Logger log = LoggerFactory.getLogger(CreateTopicsHandler.class);

    private final LogStore store;
    private final ClusterInfo cluster;
    private final TopicCreator creator;
    private final ConfigDescriber describer;
    private final Authorization authorization;

    public CreateTopicsHandler(LogStore store, ClusterInfo cluster, DynamicBrokerConfig config, Authorization authorization) {
        this.store = store;
        this.cluster = cluster;
        this.creator = new TopicCreator(store, config.current()); // num.partitions and the replication factor are static
        this.describer = new ConfigDescriber(config);
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_TOPICS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, CreateTopicsRequest body) {
        CreateTopicsResponseData data = new CreateTopicsResponseData();
        CreateTopicsAnswers answers = new CreateTopicsAnswers(request, body, authorization, describer);
        for (CreatableTopic t : body.data().topics()) {
            CreatableTopicResult result = CreateTopicsAnswers.unanswered(t);
            try {
                answers.checkRequest(t);
                create(t, body.data().validateOnly(), answers, result);
            } catch (ApiException e) {
                CreateTopicsAnswers.failed(result, new ApiError(Errors.forException(e), e.getMessage()));
            } catch (Exception e) {
                log.error("Creating topic {} failed", t.name(), e);
                CreateTopicsAnswers.failed(result, new ApiError(Errors.UNKNOWN_SERVER_ERROR, e.toString()));
            }
            data.topics().add(result);
        }
        return new CreateTopicsResponse(data);
    }

    private void create(CreatableTopic t, boolean validateOnly, CreateTopicsAnswers answers, CreatableTopicResult result) throws Exception {
        TopicCreator.validateName(t.name());
        if (store.topic(t.name()) != null) {
            throw new TopicExistsException("Topic '" + t.name() + "' already exists.");
        }
        int partitions;
        short rf;
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                throw new InvalidRequestException("Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
            }
            partitions = t.assignments().size();
            rf = 1;
            for (CreatableReplicaAssignment a : t.assignments()) {
                if (!a.brokerIds().equals(List.of(cluster.nodeId())) || a.partitionIndex() < 0 || a.partitionIndex() >= partitions) {
                    throw new InvalidReplicaAssignmentException("Partition " + a.partitionIndex() + " may only be assigned to broker "
                            + cluster.nodeId() + ", got " + a.brokerIds());
                }
            }
        } else {
            partitions = creator.resolvePartitions(t.numPartitions());
            rf = creator.resolveReplicationFactor(t.replicationFactor());
        }
        Map<String, String> configs = CreateTopicsAnswers.configs(t);
        TopicCreator.validateConfigs(configs);
        Topic topic = validateOnly ? new Topic(t.name(), Uuid.ZERO_UUID, partitions, configs) : creator.create(t.name(), partitions, configs);
        answers.created(result, topic, rf);
    }
}
