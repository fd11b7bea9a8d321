package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;

/**
 * DeleteTopics, v1-v6, in cluster mode: the topic is looked up in the cluster metadata and its deletion proposed to the
 * quorum; answered once applied (as Kafka's controller answers once the deletion is committed; each broker's log files go
 * afterwards, through its {@link TopicReconciler}). Errors and authorization as on one broker: {@link DeleteTopicsChecks}.
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
        DeleteTopicsChecks checks = new DeleteTopicsChecks(request, body, authorization, config.deleteTopicEnable(),
                name -> named(image.topic(name)), id -> named(image.topic(id)));
        List<CompletableFuture<DeletableTopicResult>> results = new ArrayList<>();
        for (DeleteTopicState w : checks.wanted()) {
            DeletableTopicResult result = DeleteTopicsChecks.unanswered(w);
            try {
                DeleteTopicsChecks.Named topic = checks.check(w, result);
                results.add(QuorumSubmit.submit(quorum, new MetadataRecord.DeleteTopic(topic.id())).thenApply(error -> {
                    if (error.isFailure()) {
                        // deleted meanwhile by someone else: as if it had not been there
                        Errors e = error.error() == Errors.UNKNOWN_TOPIC_ID && DeleteTopicsChecks.byName(w)
                                ? Errors.UNKNOWN_TOPIC_OR_PARTITION : error.error();
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

    private static DeleteTopicsChecks.Named named(TopicImage t) {
        return t == null ? null : new DeleteTopicsChecks.Named(t.name(), t.id());
    }
}
