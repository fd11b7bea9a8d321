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
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * TxnOffsetCommit, v0-v6 (v5+ from Transactions V2 producers also adds the group to the transaction, as
 * AddOffsetsToTxn did; v6 names topics by id).
 * <ul>
 * <li>The producer is checked with the transaction coordinator (INVALID_PRODUCER_ID_MAPPING,
 *     PRODUCER_FENCED, CONCURRENT_TRANSACTIONS); the member and generation, when given (KIP-447), as for
 *     OffsetCommit.</li>
 * <li>The offsets are durable before the answer but count only once the transaction commits: until then
 *     OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT, and an abort drops them.</li>
 * <li>Authorization as Kafka: WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), READ on
 *     the group (GROUP_AUTHORIZATION_FAILED), both for the request; READ on each topic, else
 *     TOPIC_AUTHORIZATION_FAILED for its partitions, which are not committed.</li>
 * </ul>
 */
public final class TxnOffsetCommitHandler implements Handler<TxnOffsetCommitRequest> {
    private final LogStore store;
    private final Coordinators coordinators;
    private final Authorization authorization;

    public TxnOffsetCommitHandler(LogStore store, Coordinators coordinators, Authorization authorization) {
        this.store = store;
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.TXN_OFFSET_COMMIT;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, TxnOffsetCommitRequest body) {
        if (!authorization.allowed(request, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.data().transactionalId())) {
            return Authorization.refused(body, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        if (!authorization.allowed(request, AclOperation.READ, ResourceType.GROUP, body.data().groupId())) {
            return Authorization.refused(body, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        boolean byId = TxnOffsetCommitResponse.useTopicIds(body.version());
        Set<String> denied = authorization.denied(request, AclOperation.READ, ResourceType.TOPIC, body.data().topics(),
                t -> byId ? Handlers.topicName(store, t.topicId()) : t.name());
        long now = System.currentTimeMillis();
        Map<TopicPartition, CommittedOffset> commits = new HashMap<>();
        for (TxnOffsetCommitRequestTopic t : body.data().topics()) {
            Topic topic = byId ? store.topic(t.topicId()) : store.topic(t.name());
            for (TxnOffsetCommitRequestPartition p : t.partitions()) {
                if (topic != null && !denied.contains(topic.name()) && p.partitionIndex() >= 0 && p.partitionIndex() < topic.partitions()) {
                    commits.put(new TopicPartition(topic.name(), p.partitionIndex()),
                            new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(), now));
                }
            }
        }
        if (commits.isEmpty() && !denied.isEmpty()) { // nothing the principal may commit: the coordinators are not asked, as in Kafka
            return CompletableFuture.completedFuture(response(body, byId, Map.of(), denied));
        }
        var d = body.data();
        boolean v2 = body.version() > TxnOffsetCommitRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2;
        return coordinators.transactions().<Map<TopicPartition, Errors>>commitOffsets(d.transactionalId(), d.producerId(), d.producerEpoch(), d.groupId(), v2,
                error -> all(commits, error),
                () -> coordinators.groups().commitTransactionalOffsets(d.groupId(), d.producerId(), d.generationIdOrMemberEpoch(), d.memberId(),
                        d.groupInstanceId(), commits))
                .thenApply(errors -> response(body, byId, errors, denied));
    }

    private static Map<TopicPartition, Errors> all(Map<TopicPartition, CommittedOffset> commits, Errors error) {
        Map<TopicPartition, Errors> result = new HashMap<>();
        commits.keySet().forEach(tp -> result.put(tp, error));
        return result;
    }

    private TxnOffsetCommitResponse response(TxnOffsetCommitRequest body, boolean byId, Map<TopicPartition, Errors> errors, Set<String> denied) {
        TxnOffsetCommitResponseData data = new TxnOffsetCommitResponseData();
        for (TxnOffsetCommitRequestTopic t : body.data().topics()) {
            Topic topic = byId ? store.topic(t.topicId()) : store.topic(t.name());
            TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId());
            for (TxnOffsetCommitRequestPartition p : t.partitions()) {
                Errors e = topic == null && byId ? Errors.UNKNOWN_TOPIC_ID
                        : denied.contains(topic == null ? t.name() : topic.name()) ? Errors.TOPIC_AUTHORIZATION_FAILED
                        : topic == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                        : errors.getOrDefault(new TopicPartition(topic.name(), p.partitionIndex()), Errors.UNKNOWN_TOPIC_OR_PARTITION);
                rt.partitions().add(new TxnOffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(TransactionErrors.forVersion(e, body.version(), 2).code()));
            }
            data.topics().add(rt);
        }
        return new TxnOffsetCommitResponse(data);
    }
}
