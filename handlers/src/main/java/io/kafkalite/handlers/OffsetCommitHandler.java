package io.kafkalite.handlers;

import io.kafkalite.groups.CommittedOffset;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.resource.ResourceType;

/**
 * OffsetCommit, v2-v10 (v10 names topics by id).
 * <ul>
 * <li>The committer is checked as Kafka does: generation -1 with no member id commits for an empty or
 *     unknown group ("simple" consumers, admin tools); otherwise UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 *     REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID (classic groups) or STALE_MEMBER_EPOCH (consumer groups).</li>
 * <li>UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID in v10) for partitions that do not exist;
 *     OFFSET_METADATA_TOO_LARGE above {@code offset.metadata.max.bytes}.</li>
 * <li>Offsets, their leader epoch and metadata are durable before the answer; retention is by
 *     {@code offsets.retention.minutes} (the request's retention time is ignored, as in Kafka 2.1+).</li>
 * <li>Authorization as Kafka: READ on the group (GROUP_AUTHORIZATION_FAILED for the request) and on each
 *     topic (TOPIC_AUTHORIZATION_FAILED for its partitions, before they are looked up).</li>
 * </ul>
 */
public final class OffsetCommitHandler implements Handler<OffsetCommitRequest> {
    private final LogStore store;
    private final Coordinators coordinators;
    private final Authorization authorization;

    public OffsetCommitHandler(LogStore store, Coordinators coordinators, Authorization authorization) {
        this.store = store;
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_COMMIT;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, OffsetCommitRequest body) {
        if (!authorization.allowed(request, AclOperation.READ, ResourceType.GROUP, body.data().groupId())) {
            return Authorization.refused(body, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        boolean byId = OffsetCommitResponse.useTopicIds(body.version());
        long now = System.currentTimeMillis();
        Set<String> denied = authorization.denied(request, AclOperation.READ, ResourceType.TOPIC, body.data().topics(),
                t -> byId ? Handlers.topicName(store, t.topicId()) : t.name());
        Map<TopicPartition, CommittedOffset> commits = new HashMap<>();
        Map<String, Errors> unknownTopics = new HashMap<>(); // and topics not to be read: answered without the coordinator
        for (OffsetCommitRequestTopic t : body.data().topics()) {
            Topic topic = byId ? store.topic(t.topicId()) : store.topic(t.name());
            String name = topic != null ? topic.name() : t.name();
            for (OffsetCommitRequestPartition p : t.partitions()) {
                if (!(topic == null && byId) && denied.contains(name)) {
                    unknownTopics.put(key(t, p), Errors.TOPIC_AUTHORIZATION_FAILED);
                } else if (topic == null || p.partitionIndex() < 0 || p.partitionIndex() >= topic.partitions()) {
                    unknownTopics.put(key(t, p), topic == null && byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    commits.put(new TopicPartition(name, p.partitionIndex()),
                            new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(), now));
                }
            }
        }
        return coordinators.groups().commitOffsets(body.data().groupId(), body.data().generationIdOrMemberEpoch(), body.data().memberId(),
                body.data().groupInstanceId(), commits).thenApply(errors -> {
                    OffsetCommitResponseData data = new OffsetCommitResponseData();
                    for (OffsetCommitRequestTopic t : body.data().topics()) {
                        Topic topic = byId ? store.topic(t.topicId()) : store.topic(t.name());
                        OffsetCommitResponseTopic rt = new OffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId());
                        for (OffsetCommitRequestPartition p : t.partitions()) {
                            Errors e = unknownTopics.get(key(t, p));
                            if (e == null) {
                                e = errors.getOrDefault(new TopicPartition(topic == null ? t.name() : topic.name(), p.partitionIndex()),
                                        Errors.UNKNOWN_TOPIC_OR_PARTITION);
                            }
                            rt.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex()).setErrorCode(e.code()));
                        }
                        data.topics().add(rt);
                    }
                    return new OffsetCommitResponse(data);
                });
    }

    private static String key(OffsetCommitRequestTopic t, OffsetCommitRequestPartition p) {
        return t.name() + "/" + t.topicId() + "/" + p.partitionIndex();
    }
}
