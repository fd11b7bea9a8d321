package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
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
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metadata, v0-v13, in cluster mode: answered from this broker's copy of the cluster metadata (one image per request).
 * <ul>
 * <li>Brokers: the unfenced registered brokers with an endpoint on the request's listener; the controller is the
 *     quorum's leader (-1 while there is none).</li>
 * <li>Per partition: leader (-1 and LEADER_NOT_AVAILABLE when it has none), leader epoch, replicas, ISR and the
 *     offline replicas (fenced or unregistered brokers).</li>
 * <li>Auto-creation ({@code auto.create.topics.enable} and the request's flag): as Kafka's brokers, the topic is
 *     proposed to the quorum ({@code num.partitions}, {@code default.replication.factor}, placed over the unfenced
 *     brokers) and answered LEADER_NOT_AVAILABLE at once, so the client asks again; too few brokers for the
 *     replication factor answers INVALID_REPLICATION_FACTOR.</li>
 * <li>Authorization as {@link MetadataHandler}.</li>
 * </ul>
 */
public final class ClusterMetadataHandler implements Handler.Immediate<MetadataRequest> {
    private static final Logger log = LoggerFactory.getLogger(ClusterMetadataHandler.class);

    private final MetadataQuorum quorum;
    private final ClusterInfo cluster;
    private final BrokerConfig config;
    private final ClusterTopicCreator creator;
    private final Authorization authorization;

    public ClusterMetadataHandler(MetadataQuorum quorum, ClusterInfo cluster, BrokerConfig config, ClusterTopicCreator creator,
                                  Authorization authorization) {
        this.quorum = quorum;
        this.cluster = cluster;
        this.config = config;
        this.creator = creator;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.METADATA;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, MetadataRequest body) {
        MetadataImage image = quorum.image();
        boolean includeOps = body.version() >= 8 && body.data().includeTopicAuthorizedOperations();
        List<MetadataResponseTopic> topics = new ArrayList<>();
        if (body.isAllTopics()) {
            Collection<TopicImage> all = image.topics().values();
            Set<String> denied = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.TOPIC, all, TopicImage::name, false);
            for (TopicImage t : all) {
                if (!denied.contains(t.name())) {
                    topics.add(describe(request, image, t, includeOps));
                }
            }
        } else {
            List<String> names = new ArrayList<>();
            for (MetadataRequestTopic rt : body.data().topics()) {
                TopicImage byId = rt.name() == null && rt.topicId() != null ? image.topic(rt.topicId()) : null;
                names.add(rt.name() != null ? rt.name() : byId == null ? null : byId.name());
            }
            Set<String> describeDenied = authorization.enabled()
                    ? authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TOPIC, names) : Set.of();
            for (MetadataRequestTopic rt : body.data().topics()) {
                topics.add(lookup(request, image, rt, body, describeDenied, includeOps));
            }
        }
        MetadataResponseData data = new MetadataResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(cluster.controllerId())
                .setClusterAuthorizedOperations(body.version() >= 8 && body.version() <= 10
                        && body.data().includeClusterAuthorizedOperations() ? authorization.clusterOperations(request) : AuthorizedOperations.OMITTED);
        for (Node n : cluster.liveBrokers(image, request.context().listenerName)) {
            data.brokers().add(new MetadataResponseBroker().setNodeId(n.id()).setHost(n.host()).setPort(n.port()).setRack(n.rack()));
        }
        data.topics().addAll(topics);
        return new MetadataResponse(data, body.version());
    }

    private MetadataResponseTopic lookup(KafkaRequest request, MetadataImage image, MetadataRequestTopic rt, MetadataRequest body,
                                         Set<String> describeDenied, boolean includeOps) {
        if (rt.name() == null) {
            Uuid id = rt.topicId();
            TopicImage t = id == null ? null : image.topic(id);
            if (t == null) {
                return error(null, id, Errors.UNKNOWN_TOPIC_ID);
            }
            return describeDenied.contains(t.name()) ? error(null, id, Errors.TOPIC_AUTHORIZATION_FAILED) : describe(request, image, t, includeOps);
        }
        String name = rt.name();
        if (describeDenied.contains(name)) {
            return error(name, Uuid.ZERO_UUID, Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        TopicImage t = image.topic(name);
        if (t != null) {
            return describe(request, image, t, includeOps);
        }
        int ops = includeOps ? authorization.operations(request, ResourceType.TOPIC, name) : AuthorizedOperations.OMITTED;
        try {
            TopicCreator.validateName(name);
        } catch (ApiException e) {
            return error(name, Uuid.ZERO_UUID, Errors.INVALID_TOPIC_EXCEPTION).setTopicAuthorizedOperations(ops);
        }
        if (!config.autoCreateTopics() || !body.allowAutoTopicCreation()) {
            return error(name, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION).setTopicAuthorizedOperations(ops);
        }
        if (!authorization.allowedOnCluster(request, AclOperation.CREATE, false)
                && !authorization.allowed(request, AclOperation.CREATE, ResourceType.TOPIC, name)) {
            return error(name, Uuid.ZERO_UUID, Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        try {
            creator.create(image, name, -1, (short) -1, Map.of(), false).whenComplete((r, e) -> {
                if (r != null && r.isFailure() && r.error() != Errors.TOPIC_ALREADY_EXISTS) {
                    log.warn("Auto-creation of topic {} failed: {}", name, r.messageWithFallback());
                }
            });
            return error(name, Uuid.ZERO_UUID, Errors.LEADER_NOT_AVAILABLE).setTopicAuthorizedOperations(ops);
        } catch (ApiException e) { // too few brokers for the replication factor
            return error(name, Uuid.ZERO_UUID, Errors.forException(e)).setTopicAuthorizedOperations(ops);
        }
    }

    private MetadataResponseTopic describe(KafkaRequest request, MetadataImage image, TopicImage t, boolean includeOps) {
        MetadataResponseTopic topic = new MetadataResponseTopic()
                .setName(t.name()).setTopicId(t.id()).setIsInternal(false).setErrorCode(Errors.NONE.code())
                .setTopicAuthorizedOperations(includeOps ? authorization.operations(request, ResourceType.TOPIC, t.name()) : AuthorizedOperations.OMITTED);
        for (int p = 0; p < t.partitions().size(); p++) {
            PartitionState state = t.partitions().get(p);
            PartitionAnswers a = PartitionAnswers.of(image, state);
            topic.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(p).setErrorCode(a.error().code())
                    .setLeaderId(a.leader()).setLeaderEpoch(a.leaderEpoch())
                    .setReplicaNodes(a.replicas()).setIsrNodes(a.isr()).setOfflineReplicas(a.offline()));
        }
        return topic;
    }

    private static MetadataResponseTopic error(String name, Uuid id, Errors error) {
        return new MetadataResponseTopic().setName(name).setTopicId(id == null ? Uuid.ZERO_UUID : id)
                .setErrorCode(error.code()).setIsInternal(false).setTopicAuthorizedOperations(AuthorizedOperations.OMITTED);
    }
}
