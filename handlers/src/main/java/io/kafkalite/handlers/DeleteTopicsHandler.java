package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteTopics, v1-v6 (v6 names topics by name or by id).
 * <ul>
 * <li>Deletion is synchronous: files and index entries are gone when the answer is sent; committed
 *     offsets of the topic are deleted from every group.</li>
 * <li>UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID for unknown topics; INVALID_REQUEST for an entry
 *     with both or neither of name and id; TOPIC_DELETION_DISABLED when {@code delete.topic.enable=false}.</li>
 * <li>Authorization (as Kafka): DELETE on the cluster, or DELETE on each topic, else TOPIC_AUTHORIZATION_FAILED.
 *     A topic named but not DESCRIBE-able fails so before its existence is checked; one named by id
 *     fails without its name unless the principal may DESCRIBE it.</li>
 * </ul>
 */
public final class DeleteTopicsHandler implements Handler.Immediate<DeleteTopicsRequest> {
    private static final Logger log = LoggerFactory.getLogger(DeleteTopicsHandler.class);

    private final LogStore store;
    private final BrokerConfig config;
    private final Coordinators coordinators;
    private final Authorization authorization;

    public DeleteTopicsHandler(LogStore store, BrokerConfig config, Coordinators coordinators, Authorization authorization) {
        this.store = store;
        this.config = config;
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_TOPICS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DeleteTopicsRequest body) {
        List<DeleteTopicState> wanted = new ArrayList<>();
        if (body.version() >= 6) {
            wanted.addAll(body.data().topics());
        } else {
            body.data().topicNames().forEach(n -> wanted.add(new DeleteTopicState().setName(n).setTopicId(Uuid.ZERO_UUID)));
        }
        DeleteTopicsResponseData data = new DeleteTopicsResponseData();
        Set<String> describeDenied = Set.of();
        Set<String> deleteDenied = Set.of();
        if (authorization.enabled() && !authorization.allowedOnCluster(request, AclOperation.DELETE, false)) {
            List<String> names = wanted.stream().map(this::nameOf).filter(Objects::nonNull).toList();
            describeDenied = authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
            deleteDenied = authorization.deniedNames(request, AclOperation.DELETE, ResourceType.TOPIC, names);
        }
        for (DeleteTopicState w : wanted) {
            Uuid id = w.topicId() == null ? Uuid.ZERO_UUID : w.topicId();
            DeletableTopicResult result = new DeletableTopicResult().setName(w.name()).setTopicId(id).setErrorCode(Errors.NONE.code());
            try {
                boolean byName = Uuid.ZERO_UUID.equals(id);
                if (byName && w.name() != null && describeDenied.contains(w.name())) {
                    throw new TopicAuthorizationException("Not authorized to describe topic " + w.name());
                }
                Topic topic = find(w.name(), id);
                if (deleteDenied.contains(topic.name())) {
                    if (!byName && !describeDenied.contains(topic.name())) {
                        result.setName(topic.name());
                    }
                    throw new TopicAuthorizationException("Not authorized to delete topic " + topic.name());
                }
                result.setName(topic.name()).setTopicId(topic.id());
                if (!config.deleteTopicEnable()) {
                    throw new TopicDeletionDisabledException("Topic deletion is disabled.");
                }
                store.deleteTopic(topic.name());
                io.kafkalite.groups.GroupCoordinator groups = coordinators.groupsIfActive(); // in a cluster: on the coordinator's broker
                if (groups != null) {
                    groups.onTopicDeleted(topic.name());
                }
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            } catch (Exception e) {
                log.error("Deleting topic {} failed", w.name(), e);
                result.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setErrorMessage(e.toString());
            }
            data.responses().add(result);
        }
        return new DeleteTopicsResponse(data);
    }

    /** The name of the topic an entry names, for the authorizer: by id only if it exists. */
    private String nameOf(DeleteTopicState w) {
        if (w.topicId() == null || Uuid.ZERO_UUID.equals(w.topicId())) {
            return w.name();
        }
        return Handlers.topicName(store, w.topicId());
    }

    private Topic find(String name, Uuid id) {
        boolean hasId = !Uuid.ZERO_UUID.equals(id);
        if ((name != null) == hasId) {
            throw new InvalidRequestException("Each topic must be named by exactly one of name and topic id");
        }
        Topic topic = hasId ? store.topic(id) : store.topic(name);
        if (topic == null) {
            throw hasId ? new UnknownTopicIdException("Topic id " + id + " does not exist.")
                    : new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        return topic;
    }
}
