package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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

/**
 * DeleteTopics, v1-v6, in cluster mode: the topic is looked up in the cluster metadata and its deletion proposed to the
 * quorum; answered once applied (as Kafka's controller answers once the deletion is committed; each broker's log files go
 * afterwards, through its {@link TopicReconciler}). Errors and authorization as {@link DeleteTopicsHandler}.
 */
public final class ClusterDeleteTopicsHandler implements Handler<DeleteTopicsRequest> {
    private final MetadataQuorum quorum;
    private final BrokerConfig config;
    private final Authorization authorization;

    public ClusterDeleteTopicsHandler(MetadataQuorum quorum, BrokerConfig config, Authorization authorization) {
        this.quorum = quorum;
        this.config = config;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_TOPICS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, DeleteTopicsRequest body) {
        MetadataImage image = quorum.image();
        List<DeleteTopicState> wanted = new ArrayList<>();
        if (body.version() >= 6) {
            wanted.addAll(body.data().topics());
        } else {
            body.data().topicNames().forEach(n -> wanted.add(new DeleteTopicState().setName(n).setTopicId(Uuid.ZERO_UUID)));
        }
        Set<String> describeDenied = Set.of();
        Set<String> deleteDenied = Set.of();
        if (authorization.enabled() && !authorization.allowedOnCluster(request, AclOperation.DELETE, false)) {
            List<String> names = wanted.stream().map(w -> nameOf(image, w)).filter(Objects::nonNull).toList();
            describeDenied = authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
            deleteDenied = authorization.deniedNames(request, AclOperation.DELETE, ResourceType.TOPIC, names);
        }
        List<CompletableFuture<DeletableTopicResult>> results = new ArrayList<>();
        for (DeleteTopicState w : wanted) {
            Uuid id = w.topicId() == null ? Uuid.ZERO_UUID : w.topicId();
            DeletableTopicResult result = new DeletableTopicResult().setName(w.name()).setTopicId(id).setErrorCode(Errors.NONE.code());
            try {
                boolean byName = Uuid.ZERO_UUID.equals(id);
                if (byName && w.name() != null && describeDenied.contains(w.name())) {
                    throw new TopicAuthorizationException("Not authorized to describe topic " + w.name());
                }
                TopicImage topic = find(image, w.name(), id);
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
                results.add(QuorumSubmit.submit(quorum, new MetadataRecord.DeleteTopic(topic.id())).thenApply(error -> {
                    if (error.isFailure()) {
                        // deleted meanwhile by someone else: as if it had not been there
                        Errors e = error.error() == Errors.UNKNOWN_TOPIC_ID && byName ? Errors.UNKNOWN_TOPIC_OR_PARTITION : error.error();
                        return result.setErrorCode(e.code()).setErrorMessage(error.message());
                    }
                    return result; // its committed offsets go on the coordinator, which sees the topic leave the image
                }));
            } catch (ApiException e) {
                results.add(CompletableFuture.completedFuture(result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage())));
            }
        }
        return QuorumSubmit.all(results).thenApply(v -> {
            DeleteTopicsResponseData data = new DeleteTopicsResponseData();
            results.forEach(r -> data.responses().add(r.join()));
            return new DeleteTopicsResponse(data);
        });
    }

    private static String nameOf(MetadataImage image, DeleteTopicState w) {
        if (w.topicId() == null || Uuid.ZERO_UUID.equals(w.topicId())) {
            return w.name();
        }
        TopicImage t = image.topic(w.topicId());
        return t == null ? null : t.name();
    }

    private static TopicImage find(MetadataImage image, String name, Uuid id) {
        boolean hasId = !Uuid.ZERO_UUID.equals(id);
        if ((name != null) == hasId) {
            throw new InvalidRequestException("Each topic must be named by exactly one of name and topic id");
        }
        TopicImage topic = hasId ? image.topic(id) : image.topic(name);
        if (topic == null) {
            throw hasId ? new UnknownTopicIdException("Topic id " + id + " does not exist.")
                    : new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        return topic;
    }
}
