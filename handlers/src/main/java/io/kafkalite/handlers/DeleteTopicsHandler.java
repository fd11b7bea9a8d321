package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteTopics, v1-v6 (v6 names topics by name or by id).
 * <ul>
 * <li>Deletion is synchronous: files and index entries are gone when the answer is sent; committed
 *     offsets of the topic are deleted from every group.</li>
 * <li>Errors and authorization (DELETE on the cluster, or DELETE on each topic) as Kafka: {@link DeleteTopicsChecks}.</li>
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
        DeleteTopicsChecks checks = new DeleteTopicsChecks(request, body, authorization, config.deleteTopicEnable(),
                name -> named(store.topic(name)), id -> named(store.topic(id)));
        DeleteTopicsResponseData data = new DeleteTopicsResponseData();
        for (DeleteTopicState w : checks.wanted()) {
            DeletableTopicResult result = DeleteTopicsChecks.unanswered(w);
            try {
                DeleteTopicsChecks.Named topic = checks.check(w, result);
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

    private static DeleteTopicsChecks.Named named(Topic t) {
        return t == null ? null : new DeleteTopicsChecks.Named(t.name(), t.id());
    }
}
