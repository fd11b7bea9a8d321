package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.Cursor;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeTopicPartitions, v0 (KIP-966; the 4.x admin client's {@code describeTopics}), paged as Kafka pages it.
 * <ul>
 * <li>The named topics, or every topic for an empty list, in name order, from the cursor's topic and partition
 *     on (the cursor's topic must be among the named ones, its partition >= 0, else INVALID_REQUEST).</li>
 * <li>At most min({@code max.request.partition.size.limit}, the request's limit) partitions (at least 1); when
 *     partitions remain, {@code next_cursor} names the first one left out.</li>
 * <li>This broker leads every partition (epoch 0) and is its only replica, in sync; no eligible leader replicas. Cluster
 *     mode: topics and partitions (leader, epoch, replicas, ISR, ELR, last known ELR, offline replicas) from the
 *     cluster metadata.</li>
 * <li>Named topics that do not exist: UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION for an invalid name);
 *     in an all-topics answer there are none.</li>
 * <li>Each topic needs DESCRIBE: refused named topics are answered TOPIC_AUTHORIZATION_FAILED after the others
 *     (without id), and left out of an all-topics answer, as Kafka. Authorized operations for every other topic.</li>
 * </ul>
 */
public final class DescribeTopicPartitionsHandler implements Handler.Immediate<DescribeTopicPartitionsRequest> {
    private final LogStore store;
    private final ClusterInfo cluster;
    private final BrokerConfig config;
    private final Authorization authorization;
    private final MetadataQuorum quorum; // cluster mode: topics and partitions from the cluster metadata; null on one broker

    public DescribeTopicPartitionsHandler(LogStore store, ClusterInfo cluster, BrokerConfig config, Authorization authorization) {
        this(store, cluster, config, authorization, null);
    }

    public DescribeTopicPartitionsHandler(LogStore store, ClusterInfo cluster, BrokerConfig config, Authorization authorization,
                                          MetadataQuorum quorum) {
        this.quorum = quorum;
        this.store = store;
        this.cluster = cluster;
        this.config = config;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_TOPIC_PARTITIONS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeTopicPartitionsRequest body) {
        DescribeTopicPartitionsRequestData req = body.data();
        boolean allTopics = req.topics().isEmpty();
        DescribeTopicPartitionsRequestData.Cursor cursor = req.cursor();
        String from = cursor == null ? "" : cursor.topicName();
        MetadataImage image = quorum == null ? null : quorum.image();
        TreeSet<String> names = new TreeSet<>();
        if (allTopics && image != null) {
            names.addAll(image.topics().keySet());
        } else if (allTopics) {
            store.topics().forEach(t -> names.add(t.name()));
        } else {
            req.topics().stream().map(TopicRequest::name).forEach(names::add);
        }
        names.headSet(from).clear();
        if (cursor != null && !allTopics && !names.contains(cursor.topicName())) {
            throw new InvalidRequestException("DescribeTopicPartitionsRequest topic list should contain the cursor topic: " + cursor.topicName());
        }
        if (cursor != null && cursor.partitionIndex() < 0) {
            throw new InvalidRequestException("DescribeTopicPartitionsRequest cursor partition must be valid: " + cursor);
        }
        int remaining = Math.max(Math.min(config.maxRequestPartitionSizeLimit(), req.responsePartitionLimit()), 1);
        DescribeTopicPartitionsResponseData data = new DescribeTopicPartitionsResponseData();
        List<DescribeTopicPartitionsResponseTopic> refused = new ArrayList<>();
        // names are authorized one by one as the page reaches them, as Kafka does: a page stops early
        for (String name : names) {
            if (!authorization.allowed(request, AclOperation.DESCRIBE, ResourceType.TOPIC, name)) {
                if (!allTopics) {
                    refused.add(topic(name, Uuid.ZERO_UUID, Errors.TOPIC_AUTHORIZATION_FAILED));
                }
                continue;
            }
            if (remaining == 0) { // the previous topic filled the page exactly: continue at this one
                data.setNextCursor(new Cursor().setTopicName(name).setPartitionIndex(0));
                break;
            }
            Topic t = image == null ? store.topic(name) : image.topic(name) == null ? null : QuorumSubmit.asTopic(image.topic(name));
            if (t == null) {
                if (!allTopics) {
                    data.topics().add(topic(name, Uuid.ZERO_UUID, unknownTopicError(name))
                            .setTopicAuthorizedOperations(authorization.operations(request, ResourceType.TOPIC, name)));
                }
                continue;
            }
            int start = name.equals(from) ? cursor.partitionIndex() : 0;
            int end = Math.min(t.partitions(), start + remaining);
            DescribeTopicPartitionsResponseTopic answer = topic(name, t.id(), Errors.NONE)
                    .setTopicAuthorizedOperations(authorization.operations(request, ResourceType.TOPIC, name));
            for (int p = start; p < end; p++) {
                answer.partitions().add(image == null ? partition(p) : partition(image, image.partition(name, p), p));
            }
            data.topics().add(answer);
            if (end < t.partitions()) {
                data.setNextCursor(new Cursor().setTopicName(name).setPartitionIndex(end));
                break;
            }
            remaining -= answer.partitions().size();
        }
        data.topics().addAll(refused);
        return new DescribeTopicPartitionsResponse(data);
    }

    private DescribeTopicPartitionsResponsePartition partition(int index) {
        List<Integer> self = List.of(cluster.nodeId());
        return new DescribeTopicPartitionsResponsePartition().setPartitionIndex(index).setErrorCode(Errors.NONE.code())
                .setLeaderId(cluster.nodeId()).setLeaderEpoch(PartitionLog.LEADER_EPOCH).setReplicaNodes(self).setIsrNodes(self)
                .setEligibleLeaderReplicas(List.of()).setLastKnownElr(List.of()).setOfflineReplicas(List.of());
    }

    /** Cluster mode: the partition as the cluster metadata has it. */
    private static DescribeTopicPartitionsResponsePartition partition(MetadataImage image, PartitionState state, int index) {
        PartitionAnswers a = PartitionAnswers.of(image, state);
        return new DescribeTopicPartitionsResponsePartition().setPartitionIndex(index).setErrorCode(a.error().code())
                .setLeaderId(a.leader()).setLeaderEpoch(a.leaderEpoch()).setReplicaNodes(a.replicas()).setIsrNodes(a.isr())
                .setEligibleLeaderReplicas(a.elr()).setLastKnownElr(state.lastKnownElr()).setOfflineReplicas(a.offline());
    }

    private static DescribeTopicPartitionsResponseTopic topic(String name, Uuid id, Errors error) {
        return new DescribeTopicPartitionsResponseTopic().setName(name).setTopicId(id).setErrorCode(error.code()).setIsInternal(false);
    }

    private static Errors unknownTopicError(String name) {
        try {
            TopicCreator.validateName(name);
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        } catch (ApiException e) {
            return Errors.INVALID_TOPIC_EXCEPTION;
        }
    }
}
