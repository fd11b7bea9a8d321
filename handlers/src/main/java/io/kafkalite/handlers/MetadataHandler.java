package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metadata, v0-v13.
 * <ul>
 * <li>This broker is the only broker, the controller and the leader (epoch 0) of every partition.</li>
 * <li>Topics by name, or by id (v10+; unknown ids give UNKNOWN_TOPIC_ID); a null list (v1+) or an
 *     empty v0 list means all topics.</li>
 * <li>An unknown topic is created with {@code num.partitions} when {@code auto.create.topics.enable}
 *     and the request's {@code allow_auto_topic_creation} (v4+) both say so; creation is synchronous,
 *     so the answer already holds the new topic. Otherwise UNKNOWN_TOPIC_OR_PARTITION; an invalid name
 *     gives INVALID_TOPIC_EXCEPTION.</li>
 * <li>Authorized operations (v8+) are all operations: there is no authorizer yet.</li>
 * </ul>
 */
public final class MetadataHandler implements Handler.Immediate<MetadataRequest> {
    private static final Logger log = LoggerFactory.getLogger(MetadataHandler.class);

    private final LogStore store;
    private final ClusterInfo cluster;
    private final BrokerConfig config;
    private final TopicCreator creator;

    public MetadataHandler(LogStore store, ClusterInfo cluster, BrokerConfig config) {
        this.store = store;
        this.cluster = cluster;
        this.config = config;
        this.creator = new TopicCreator(store, config);
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.METADATA;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, MetadataRequest body) {
        boolean includeOps = body.version() >= 8 && body.data().includeTopicAuthorizedOperations();
        List<MetadataResponseTopic> topics = new ArrayList<>();
        if (body.isAllTopics()) {
            store.topics().forEach(t -> topics.add(describe(t, includeOps)));
        } else {
            for (MetadataRequestTopic rt : body.data().topics()) {
                topics.add(lookup(rt, body, includeOps));
            }
        }
        Node self = cluster.self(request.context().listenerName);
        MetadataResponseData data = new MetadataResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(cluster.nodeId())
                .setClusterAuthorizedOperations(body.version() >= 8 && body.version() <= 10
                        && body.data().includeClusterAuthorizedOperations() ? AuthorizedOperations.CLUSTER : AuthorizedOperations.OMITTED);
        data.brokers().add(new MetadataResponseBroker().setNodeId(self.id()).setHost(self.host()).setPort(self.port()));
        data.topics().addAll(topics);
        return new MetadataResponse(data, body.version());
    }

    private MetadataResponseTopic lookup(MetadataRequestTopic rt, MetadataRequest body, boolean includeOps) {
        if (rt.name() == null) {
            Uuid id = rt.topicId();
            Topic t = id == null ? null : store.topic(id);
            return t != null ? describe(t, includeOps)
                    : error(null, id, Errors.UNKNOWN_TOPIC_ID);
        }
        Topic t = store.topic(rt.name());
        if (t != null) {
            return describe(t, includeOps);
        }
        try {
            TopicCreator.validateName(rt.name());
        } catch (ApiException e) {
            return error(rt.name(), Uuid.ZERO_UUID, Errors.INVALID_TOPIC_EXCEPTION);
        }
        if (!config.autoCreateTopics() || !body.allowAutoTopicCreation()) {
            return error(rt.name(), Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        try {
            return describe(creator.create(rt.name(), config.numPartitions(), Map.of()), includeOps);
        } catch (TopicExistsException raced) {
            return describe(store.topic(rt.name()), includeOps);
        } catch (Exception e) {
            log.error("Auto-creation of topic {} failed", rt.name(), e);
            return error(rt.name(), Uuid.ZERO_UUID, Errors.forException(e));
        }
    }

    private MetadataResponseTopic describe(Topic t, boolean includeOps) {
        MetadataResponseTopic topic = new MetadataResponseTopic()
                .setName(t.name()).setTopicId(t.id()).setIsInternal(false).setErrorCode(Errors.NONE.code())
                .setTopicAuthorizedOperations(includeOps ? AuthorizedOperations.TOPIC : AuthorizedOperations.OMITTED);
        List<Integer> replicas = List.of(cluster.nodeId());
        for (int p = 0; p < t.partitions(); p++) {
            topic.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(p).setErrorCode(Errors.NONE.code())
                    .setLeaderId(cluster.nodeId()).setLeaderEpoch(io.kafkalite.logstore.PartitionLog.LEADER_EPOCH)
                    .setReplicaNodes(replicas).setIsrNodes(replicas).setOfflineReplicas(List.of()));
        }
        return topic;
    }

    private static MetadataResponseTopic error(String name, Uuid id, Errors error) {
        return new MetadataResponseTopic().setName(name).setTopicId(id == null ? Uuid.ZERO_UUID : id)
                .setErrorCode(error.code()).setIsInternal(false).setTopicAuthorizedOperations(AuthorizedOperations.OMITTED);
    }
}
