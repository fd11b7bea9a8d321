package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import java.util.Set;
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
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreatePartitions, v0-v3: one result per requested topic.
 * <ul>
 * <li>UNKNOWN_TOPIC_OR_PARTITION for unknown topics, INVALID_PARTITIONS when the count does not grow,
 *     INVALID_REPLICA_ASSIGNMENT for assignments that name another broker or are the wrong length,
 *     INVALID_REQUEST for a topic named twice.</li>
 * <li>{@code validate_only} checks and changes nothing.</li>
 * <li>Each topic needs ALTER, else TOPIC_AUTHORIZATION_FAILED (before any other check but duplicates, as Kafka).</li>
 * </ul>
 */
public final class CreatePartitionsHandler implements Handler.Immediate<CreatePartitionsRequest> {
    private static final Logger log = LoggerFactory.getLogger(CreatePartitionsHandler.class);

    private final LogStore store;
    private final ClusterInfo cluster;
    private final Authorization authorization;

    public CreatePartitionsHandler(LogStore store, ClusterInfo cluster, Authorization authorization) {
        this.store = store;
        this.cluster = cluster;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_PARTITIONS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, CreatePartitionsRequest body) {
        CreatePartitionsResponseData data = new CreatePartitionsResponseData();
        Set<String> duplicates = TopicCreator.duplicates(body.data().topics().stream().map(CreatePartitionsTopic::name));
        Set<String> denied = authorization.denied(request, AclOperation.ALTER, ResourceType.TOPIC, body.data().topics(), CreatePartitionsTopic::name);
        for (CreatePartitionsTopic t : body.data().topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(t.name()).setErrorCode(Errors.NONE.code());
            try {
                if (duplicates.contains(t.name())) {
                    throw new InvalidRequestException("Duplicate topic in request: " + t.name());
                }
                if (denied.contains(t.name())) {
                    data.results().add(result.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
                    continue;
                }
                grow(t, body.data().validateOnly());
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            } catch (Exception e) {
                log.error("Adding partitions to {} failed", t.name(), e);
                result.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setErrorMessage(e.toString());
            }
            data.results().add(result);
        }
        return new CreatePartitionsResponse(data);
    }

    private void grow(CreatePartitionsTopic t, boolean validateOnly) throws Exception {
        Topic topic = store.topic(t.name());
        if (topic == null) {
            throw new UnknownTopicOrPartitionException("The topic '" + t.name() + "' does not exist.");
        }
        if (t.count() <= topic.partitions()) {
            throw new InvalidPartitionsException("Topic currently has " + topic.partitions() + " partitions, which is higher than or equal to "
                    + "the requested " + t.count() + ".");
        }
        if (t.assignments() != null) {
            if (t.assignments().size() != t.count() - topic.partitions()) {
                throw new InvalidReplicaAssignmentException("Increasing the number of partitions by " + (t.count() - topic.partitions())
                        + " but " + t.assignments().size() + " assignments provided.");
            }
            for (CreatePartitionsAssignment a : t.assignments()) {
                if (!a.brokerIds().equals(List.of(cluster.nodeId()))) {
                    throw new InvalidReplicaAssignmentException("New partitions may only be assigned to broker " + cluster.nodeId());
                }
            }
        }
        if (!validateOnly) {
            store.createPartitions(t.name(), t.count());
        }
    }
}
