package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What DeleteTopics checks alike on one broker ({@link DeleteTopicsHandler}, topics from the log store) and in a
 * cluster ({@link ClusterDeleteTopicsHandler}, topics from the metadata image) before deleting: the entries of any
 * version, authorization, existence and {@code delete.topic.enable}. One instance per request.
 */
final class DeleteTopicsChecks {
    /** A topic's name and id, as the checks need it. */
    record Named(String name, Uuid id) { }

    private final Function<String, Named> topicByName;
    private final Function<Uuid, Named> topicById;
    private final boolean deleteEnabled;
    private final List<DeleteTopicState> wanted = new ArrayList<>();
    private final Set<String> describeDenied;
    private final Set<String> deleteDenied;

    /** @param byName and {@code byId} find a topic, null when there is none */
    DeleteTopicsChecks(KafkaRequest request, DeleteTopicsRequest body, Authorization authorization, boolean deleteEnabled,
                       Function<String, Named> byName, Function<Uuid, Named> byId) {
        this.topicByName = byName;
        this.topicById = byId;
        this.deleteEnabled = deleteEnabled;
        if (body.version() >= 6) {
            wanted.addAll(body.data().topics());
        } else {
            body.data().topicNames().forEach(n -> wanted.add(new DeleteTopicState().setName(n).setTopicId(Uuid.ZERO_UUID)));
        }
        if (authorization.enabled() && !authorization.allowedOnCluster(request, AclOperation.DELETE, false)) {
            List<String> names = wanted.stream().map(this::nameOf).filter(Objects::nonNull).toList();
            describeDenied = authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
            deleteDenied = authorization.deniedNames(request, AclOperation.DELETE, ResourceType.TOPIC, names);
        } else {
            describeDenied = Set.of();
            deleteDenied = Set.of();
        }
    }

    /** The request's entries, named by name (v1-v5) or by name or id (v6). */
    List<DeleteTopicState> wanted() {
        return wanted;
    }

    /** An entry's answer before it is checked: as named, no error. */
    static DeletableTopicResult unanswered(DeleteTopicState w) {
        return new DeletableTopicResult().setName(w.name()).setTopicId(idOf(w)).setErrorCode(Errors.NONE.code());
    }

    /**
     * The topic an entry deletes, once {@code result} names it; else Kafka's error: TOPIC_AUTHORIZATION_FAILED (a
     * name not DESCRIBE-able fails before its existence is checked; one named by id fails without its name unless
     * DESCRIBE-able), INVALID_REQUEST for both or neither of name and id, UNKNOWN_TOPIC_ID / UNKNOWN_TOPIC_OR_PARTITION,
     * TOPIC_DELETION_DISABLED.
     */
    Named check(DeleteTopicState w, DeletableTopicResult result) {
        boolean named = byName(w);
        if (named && w.name() != null && describeDenied.contains(w.name())) {
            throw new TopicAuthorizationException("Not authorized to describe topic " + w.name());
        }
        Named topic = find(w.name(), idOf(w));
        if (deleteDenied.contains(topic.name())) {
            if (!named && !describeDenied.contains(topic.name())) {
                result.setName(topic.name());
            }
            throw new TopicAuthorizationException("Not authorized to delete topic " + topic.name());
        }
        result.setName(topic.name()).setTopicId(topic.id());
        if (!deleteEnabled) {
            throw new TopicDeletionDisabledException("Topic deletion is disabled.");
        }
        return topic;
    }

    /** Whether the entry names its topic by name (not by id). */
    static boolean byName(DeleteTopicState w) {
        return Uuid.ZERO_UUID.equals(idOf(w));
    }

    private static Uuid idOf(DeleteTopicState w) {
        return w.topicId() == null ? Uuid.ZERO_UUID : w.topicId();
    }

    /** The name of the topic an entry names, for the authorizer: by id only if it exists. */
    private String nameOf(DeleteTopicState w) {
        if (byName(w)) {
            return w.name();
        }
        Named t = topicById.apply(w.topicId());
        return t == null ? null : t.name();
    }

    private Named find(String name, Uuid id) {
        boolean hasId = !Uuid.ZERO_UUID.equals(id);
        if ((name != null) == hasId) {
            throw new InvalidRequestException("Each topic must be named by exactly one of name and topic id");
        }
        Named topic = hasId ? topicById.apply(id) : topicByName.apply(name);
        if (topic == null) {
            throw hasId ? new UnknownTopicIdException("Topic id " + id + " does not exist.")
                    : new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        return topic;
    }
}
