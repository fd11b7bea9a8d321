package io.kafkalite.handlers;

import io.kafkalite.groups.CommittedOffset;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * OffsetFetch, v1-v10 (v8+ several groups, KIP-709; v9+ member id and epoch of consumer groups,
 * checked as Kafka does; v10 topic ids).
 * <ul>
 * <li>Requested partitions without a commit answer offset -1, empty metadata and no error; null topics
 *     (v2+) means every committed partition of the group; an unknown group has no offsets.</li>
 * <li>{@code require_stable} (v7+): a partition whose offset an open transaction is committing answers
 *     UNSTABLE_OFFSET_COMMIT (offset -1), as Kafka does; the client retries until the transaction ends.</li>
 * <li>Authorization as Kafka: DESCRIBE on each group (GROUP_AUTHORIZATION_FAILED for that group); requested
 *     topics the principal may not DESCRIBE answer TOPIC_AUTHORIZATION_FAILED (offset -1) per partition
 *     without being looked up, and are left out of an all-partitions answer.</li>
 * </ul>
 */
public final class OffsetFetchHandler implements Handler<OffsetFetchRequest> {
    private final LogStore store;
    private final Coordinators coordinators;
    private final Authorization authorization;

    public OffsetFetchHandler(LogStore store, Coordinators coordinators, Authorization authorization) {
        this.store = store;
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FETCH;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, OffsetFetchRequest body) {
        boolean byId = OffsetFetchRequest.useTopicIds(body.version());
        List<io.kafkalite.groups.GroupCoordinator.OffsetRequest> requests = new ArrayList<>();
        Set<String> refused = new HashSet<>();
        Map<String, List<OffsetFetchRequestTopics>> hidden = new HashMap<>(); // per group: requested topics it may not describe
        for (OffsetFetchRequestGroup g : body.groups()) {
            if (!authorization.allowed(request, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId())) {
                refused.add(g.groupId());
                continue;
            }
            List<TopicPartition> partitions = null;
            if (g.topics() != null) {
                Set<String> denied = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.TOPIC, g.topics(),
                        t -> byId ? Handlers.topicName(store, t.topicId()) : t.name());
                partitions = new ArrayList<>();
                for (OffsetFetchRequestTopics t : g.topics()) {
                    String name = byId ? nameOf(t.topicId()) : t.name();
                    if (denied.contains(name)) {
                        hidden.computeIfAbsent(g.groupId(), id -> new ArrayList<>()).add(t);
                        continue;
                    }
                    for (int p : t.partitionIndexes()) {
                        partitions.add(new TopicPartition(name, p));
                    }
                }
            }
            requests.add(new io.kafkalite.groups.GroupCoordinator.OffsetRequest(g.groupId(), g.memberId(), g.memberEpoch(), partitions, body.requireStable()));
        }
        return coordinators.groups().fetchOffsets(requests).thenApply(results -> {
            List<OffsetFetchResponseGroup> answers = new ArrayList<>();
            for (OffsetFetchRequestGroup g : body.groups()) {
                answers.add(refused.contains(g.groupId())
                        ? new OffsetFetchResponseGroup().setGroupId(g.groupId()).setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code())
                        : answer(request, g, results.get(g.groupId()), byId, hidden.getOrDefault(g.groupId(), List.of())));
            }
            return response(answers, body.version());
        });
    }

    private String nameOf(Uuid id) {
        Topic t = store.topic(id);
        return t == null ? "unknown-topic-id-" + id : t.name();
    }

    @SuppressWarnings("unchecked")
    private OffsetFetchResponseGroup answer(KafkaRequest request, OffsetFetchRequestGroup asked, Object result, boolean byId,
                                            List<OffsetFetchRequestTopics> hidden) {
        OffsetFetchResponseGroup group = new OffsetFetchResponseGroup().setGroupId(asked.groupId());
        if (result instanceof Errors error) {
            return group.setErrorCode(error.code());
        }
        Map<TopicPartition, CommittedOffset> offsets = (Map<TopicPartition, CommittedOffset>) result;
        if (asked.topics() == null && authorization.enabled()) { // all partitions: only of topics the principal may describe
            Set<String> denied = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.TOPIC, offsets.keySet(), TopicPartition::topic);
            offsets.keySet().removeIf(tp -> denied.contains(tp.topic()));
        }
        Map<String, OffsetFetchResponseTopics> topics = new TreeMap<>();
        offsets.forEach((tp, o) -> {
            Topic t = store.topic(tp.topic());
            OffsetFetchResponseTopics rt = topics.computeIfAbsent(tp.topic(), name -> new OffsetFetchResponseTopics().setName(name)
                    .setTopicId(t == null ? Uuid.ZERO_UUID : t.id()));
            Errors error = o == CommittedOffset.UNSTABLE ? Errors.UNSTABLE_OFFSET_COMMIT : byId && t == null ? Errors.UNKNOWN_TOPIC_ID : Errors.NONE;
            rt.partitions().add(new OffsetFetchResponsePartitions().setPartitionIndex(tp.partition()).setCommittedOffset(o.offset())
                    .setCommittedLeaderEpoch(o.leaderEpoch()).setMetadata(o.metadata() == null ? "" : o.metadata())
                    .setErrorCode(error.code()));
        });
        List<OffsetFetchResponseTopics> answered = new ArrayList<>(topics.values());
        for (OffsetFetchRequestTopics t : hidden) {
            OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics().setName(t.name())
                    .setTopicId(t.topicId() == null ? Uuid.ZERO_UUID : t.topicId());
            t.partitionIndexes().forEach(p -> rt.partitions().add(new OffsetFetchResponsePartitions().setPartitionIndex(p)
                    .setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("").setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())));
            answered.add(rt);
        }
        return group.setErrorCode(Errors.NONE.code()).setTopics(answered);
    }

    /** v8+ answer per group; older versions carry the single group's answer at the top level. */
    private static OffsetFetchResponse response(List<OffsetFetchResponseGroup> groups, short version) {
        if (version >= 8) {
            return new OffsetFetchResponse(new OffsetFetchResponseData().setGroups(groups), version);
        }
        OffsetFetchResponseGroup g = groups.get(0);
        OffsetFetchResponseData data = new OffsetFetchResponseData().setErrorCode(g.errorCode());
        for (OffsetFetchResponseTopics t : g.topics()) {
            OffsetFetchResponseTopic rt = new OffsetFetchResponseTopic().setName(t.name());
            for (OffsetFetchResponsePartitions p : t.partitions()) {
                rt.partitions().add(new OffsetFetchResponsePartition().setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                        .setCommittedLeaderEpoch(p.committedLeaderEpoch()).setMetadata(p.metadata()).setErrorCode(p.errorCode()));
            }
            data.topics().add(rt);
        }
        return new OffsetFetchResponse(data, version);
    }
}
