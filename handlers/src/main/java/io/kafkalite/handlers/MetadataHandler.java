package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
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
import org.apache.kafka.common.resource.ResourceType;
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
 * <li>Authorization (as Kafka): topics the principal may not DESCRIBE are left out of an all-topics answer
 *     and answered TOPIC_AUTHORIZATION_FAILED when asked for (by id: without the name). Auto-creation needs
 *     CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED.</li>
 * <li>Authorized operations (v8+): the principal's operations on each topic answered from the describable
 *     ones (errors included, as Kafka), and on the cluster (v8-v10) when it may DESCRIBE the cluster, else 0.</li>
 * </ul>
 */
public final class MetadataHandler implements Handler.Immediate<MetadataRequest> {
    private static final Logger log = LoggerFactory.getLogger(MetadataHandler.class);

    private final LogStore store;
    private final ClusterInfo cluster;
    private final BrokerConfig config;
    private final TopicCreator creator;
    private final Authorization authorization;

    public MetadataHandler(LogStore store, ClusterInfo cluster, BrokerConfig config, Authorization authorization) {
        this.store = store;
        this.cluster = cluster;
        this.config = config;
        this.creator = new TopicCreator(store, config);
        this.authorization = authorization;
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
            Collection<Topic> all = store.topics();
            Set<String> denied = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.TOPIC, all, Topic::name, false);
            for (Topic t : all) {
                if (!denied.contains(t.name())) {
                    topics.add(describe(request, t, includeOps));
                }
            }
        } else {
            Asked asked = new Asked(request, body);
            for (MetadataRequestTopic rt : body.data().topics()) {
                topics.add(lookup(request, rt, body, asked, includeOps));
            }
        }
        Node self = cluster.self(request.context().listenerName);
        MetadataResponseData data = new MetadataResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(cluster.nodeId())
                .setClusterAuthorizedOperations(body.version() >= 8 && body.version() <= 10
                        && body.data().includeClusterAuthorizedOperations() ? authorization.clusterOperations(request) : AuthorizedOperations.OMITTED);
        data.brokers().add(new MetadataResponseBroker().setNodeId(self.id()).setHost(self.host()).setPort(self.port()));
        data.topics().addAll(topics);
        return new MetadataResponse(data, body.version());
    }

    /** What the principal may do with the topics a request names: DESCRIBE, and CREATE for those that would be auto-created. */
    private final class Asked {
        final Set<String> describeDenied;
        final Set<String> createDenied;

        Asked(KafkaRequest request, MetadataRequest body) {
            if (!authorization.enabled()) {
                describeDenied = Set.of();
                createDenied = Set.of();
                return;
            }
            List<String> names = new ArrayList<>();
            for (MetadataRequestTopic rt : body.data().topics()) {
                names.add(rt.name() != null ? rt.name() : Handlers.topicName(store, rt.topicId()));
            }
            describeDenied = authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
            List<String> missing = new ArrayList<>();
            for (String n : names) {
                if (n != null && !describeDenied.contains(n) && store.topic(n) == null) {
                    missing.add(n);
                }
            }
            createDenied = missing.isEmpty() || !autoCreates(body) || authorization.allowedOnCluster(request, AclOperation.CREATE, false)
                    ? Set.of() : authorization.deniedNames(request, AclOperation.CREATE, ResourceType.TOPIC, missing);
        }
    }

    private boolean autoCreates(MetadataRequest body) {
        return config.autoCreateTopics() && body.allowAutoTopicCreation();
    }

    private MetadataResponseTopic lookup(KafkaRequest request, MetadataRequestTopic rt, MetadataRequest body, Asked asked, boolean includeOps) {
        if (rt.name() == null) {
            Uuid id = rt.topicId();
            Topic t = id == null ? null : store.topic(id);
            if (t == null) {
                return error(null, id, Errors.UNKNOWN_TOPIC_ID);
            }
            // topic ids are not secret, so the id is answered; the name is not
            return asked.describeDenied.contains(t.name()) ? error(null, id, Errors.TOPIC_AUTHORIZATION_FAILED) : describe(request, t, includeOps);
        }
        String name = rt.name();
        if (asked.describeDenied.contains(name)) { // whether it exists stays unsaid
            return error(name, Uuid.ZERO_UUID, Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        Topic t = store.topic(name);
        if (t != null) {
            return describe(request, t, includeOps);
        }
        if (asked.createDenied.contains(name)) {
            return error(name, Uuid.ZERO_UUID, Errors.TOPIC_AUTHORIZATION_FAILED);
        }
        int ops = includeOps ? authorization.operations(request, ResourceType.TOPIC, name) : AuthorizedOperations.OMITTED;
        try {
            TopicCreator.validateName(name);
        } catch (ApiException e) {
            return error(name, Uuid.ZERO_UUID, Errors.INVALID_TOPIC_EXCEPTION).setTopicAuthorizedOperations(ops);
        }
        if (!autoCreates(body)) {
            return error(name, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION).setTopicAuthorizedOperations(ops);
        }
        try {
            return describe(request, creator.create(name, config.numPartitions(), Map.of()), includeOps);
        } catch (TopicExistsException raced) {
            return describe(request, store.topic(name), includeOps);
        } catch (Exception e) {
            log.error("Auto-creation of topic {} failed", name, e);
            return error(name, Uuid.ZERO_UUID, Errors.forException(e)).setTopicAuthorizedOperations(ops);
        }
    }

    private MetadataResponseTopic describe(KafkaRequest request, Topic t, boolean includeOps) {
        MetadataResponseTopic topic = new MetadataResponseTopic()
                .setName(t.name()).setTopicId(t.id()).setIsInternal(false).setErrorCode(Errors.NONE.code())
                .setTopicAuthorizedOperations(includeOps ? authorization.operations(request, ResourceType.TOPIC, t.name()) : AuthorizedOperations.OMITTED);
        List<Integer> replicas = List.of(cluster.nodeId());
        for (int p = 0; p < t.partitions(); p++) {
            io.kafkalite.logstore.PartitionLog partition = store.partition(new org.apache.kafka.common.TopicPartition(t.name(), p));
            topic.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(p).setErrorCode(Errors.NONE.code())
                    .setLeaderId(cluster.nodeId()).setLeaderEpoch(io.kafkalite.logstore.PartitionLog.LEADER_EPOCH)
                    .setReplicaNodes(replicas).setIsrNodes(replicas)
                    .setOfflineReplicas(partition != null && partition.isOffline() ? replicas : List.of())); // its log directory failed
        }
        return topic;
    }

    private static MetadataResponseTopic error(String name, Uuid id, Errors error) {
        return new MetadataResponseTopic().setName(name).setTopicId(id == null ? Uuid.ZERO_UUID : id)
                .setErrorCode(error.code()).setIsInternal(false).setTopicAuthorizedOperations(AuthorizedOperations.OMITTED);
    }
}
