package io.kafkalite.groups;

import io.kafkalite.logstore.DurableMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator: classic groups ({@link ClassicGroupCoordinator}), consumer groups of the
 * KIP-848 protocol ({@link ConsumerGroupCoordinator}) and committed offsets ({@link OffsetStore}).
 * Every public method may be called from any thread; the work runs on the coordinator thread and the
 * future completes there (offset commits only once the offsets are durable).
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    private static final String EXPIRY_KEY = "offsets-expiry";

    /** A partition's committed offset as the caller asked for it: -1 offset when nothing is committed. */
    public record OffsetRequest(String groupId, String memberId, int memberEpoch, List<TopicPartition> partitions, boolean requireStable) { }

    private final Scheduler scheduler;
    private final GroupConfig config;
    private final OffsetStore offsets;
    private final ClassicGroupCoordinator classic;
    private final ConsumerGroupCoordinator consumer;
    private final ConsumerGroupClassicMembers classicMembers;
    private final GroupConversions conversions;
    private final GroupMetadataStore metadata;

    /**
     * Loads committed offsets and group metadata (on the coordinator thread, before any request runs):
     * groups with members come back Stable at their generation or epoch, groups with only offsets Empty.
     */
    public GroupCoordinator(Scheduler scheduler, GroupConfig config, DurableMap offsetsTable, DurableMap metadataTable, TopicsView topics) {
        this.scheduler = scheduler;
        this.config = config;
        this.offsets = new OffsetStore(offsetsTable);
        this.metadata = new GroupMetadataStore(metadataTable);
        this.classic = new ClassicGroupCoordinator(scheduler, config, metadata);
        this.consumer = new ConsumerGroupCoordinator(scheduler, config, topics, metadata);
        this.conversions = new GroupConversions(config, topics, classic, consumer);
        this.classicMembers = new ConsumerGroupClassicMembers(scheduler, config, topics, consumer, conversions);
        consumer.setDowngrade(conversions::maybeDowngrade);
        onCoordinator(() -> {
            load(metadata);
            return done(null);
        }).join();
    }

    private void load(GroupMetadataStore metadata) {
        long now = scheduler.now();
        metadata.load((type, groupId, body) -> {
            try {
                if (type == GroupMetadataStore.CLASSIC) {
                    classic.restore(ClassicGroupRecords.replay(groupId, body, now));
                } else if (type == GroupMetadataStore.CONSUMER) {
                    consumer.restore(ConsumerGroupRecords.replay(groupId, body));
                } else {
                    log.warn("Skipping the stored metadata of group {}: unknown group type {}", groupId, type);
                }
            } catch (RuntimeException unreadable) { // one bad record must not keep the broker from starting
                log.error("Skipping the stored metadata of group {}: it cannot be read ({}); its members rejoin",
                        groupId, unreadable.toString());
            }
        });
        log.info("Loaded {} classic and {} consumer groups", classic.groups.size(), consumer.groups.size());
        for (String group : offsets.groups()) {
            if (!consumer.groups.containsKey(group)) {
                classic.getOrCreate(group); // groups with only offsets survive a restart as Empty groups
            }
        }
        scheduler.schedule(EXPIRY_KEY, config.offsetsRetentionCheckIntervalMs(), this::expireOffsets);
    }

    private <T> CompletableFuture<T> onCoordinator(Supplier<CompletableFuture<T>> work) {
        return scheduler.call(work);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    // ---------------------------------------------------------------- classic protocol

    public CompletableFuture<JoinGroupResponseData> joinGroup(JoinGroupRequestData req, String clientId, String clientHost, short version) {
        return onCoordinator(() -> {
            if (req.groupId() == null || req.groupId().isEmpty()) {
                return done(new JoinGroupResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code()).setMemberId(req.memberId()));
            }
            ConsumerGroup cg = consumer.groups.get(req.groupId());
            if (cg != null && !cg.members.isEmpty()) { // a mixed group: the classic member joins the consumer group
                if (req.sessionTimeoutMs() < config.minSessionTimeoutMs() || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
                    return done(new JoinGroupResponseData().setErrorCode(Errors.INVALID_SESSION_TIMEOUT.code()).setMemberId(req.memberId()));
                }
                return classicMembers.join(cg, req, clientId, clientHost, version);
            }
            if (cg != null) {
                consumer.groups.remove(req.groupId()); // an empty consumer group becomes a classic group; its offsets stay
            }
            return classic.join(req, clientId, clientHost, version);
        });
    }

    public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData req) {
        return onCoordinator(() -> {
            ConsumerGroup cg = consumer.groups.get(req.groupId());
            if (cg == null) {
                return classic.sync(req);
            }
            return cg.members.isEmpty() ? done(new SyncGroupResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()).setAssignment(new byte[0]))
                    : classicMembers.sync(cg, req);
        });
    }

    public CompletableFuture<Errors> heartbeat(HeartbeatRequestData req) {
        return onCoordinator(() -> {
            ConsumerGroup cg = consumer.groups.get(req.groupId());
            if (cg == null) {
                return done(classic.heartbeat(req));
            }
            return done(cg.members.isEmpty() ? Errors.UNKNOWN_MEMBER_ID : classicMembers.heartbeat(cg, req));
        });
    }

    /** @return the group-level error; member results are added to {@code results} */
    public CompletableFuture<LeaveGroupResponseData> leaveGroup(String groupId, List<MemberIdentity> members) {
        return onCoordinator(() -> {
            List<LeaveGroupResponseData.MemberResponse> results = new ArrayList<>();
            ConsumerGroup cg = consumer.groups.get(groupId);
            if (cg != null) {
                classicMembers.leave(cg, members, results);
                return consumer.persist(groupId).handle((v, e) -> new LeaveGroupResponseData()
                        .setErrorCode(e == null ? Errors.NONE.code() : Errors.COORDINATOR_NOT_AVAILABLE.code()).setMembers(results));
            }
            Errors error = classic.leave(groupId, members, results);
            return done(new LeaveGroupResponseData().setErrorCode(error.code()).setMembers(results));
        });
    }

    // ---------------------------------------------------------------- KIP-848 consumer protocol

    public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(ConsumerGroupHeartbeatRequestData req,
                                                                                       String clientId, String clientHost, short version) {
        return onCoordinator(() -> {
            ClassicGroup old = classic.groups.get(req.groupId());
            if (old != null) {
                if (old.is(ClassicGroupState.EMPTY)) {
                    classic.delete(old); // an empty classic group becomes a consumer group; its offsets stay
                } else if (!upgrade(old, req.memberEpoch())) {
                    return done(new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                            .setErrorMessage("Group " + req.groupId() + " is not a consumer group."));
                }
            }
            ConsumerGroupHeartbeatResponseData response = consumer.heartbeat(req, clientId, clientHost, version);
            return persist(req.groupId()).handle((v, e) -> {
                if (e != null) {
                    log.error("Storing consumer group {} failed", req.groupId(), e);
                    return new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
                            .setErrorMessage("The group's metadata could not be stored");
                }
                return response;
            });
        });
    }

    /** A joining consumer-protocol member turns a classic group with members into a consumer group, if allowed. */
    private boolean upgrade(ClassicGroup group, int memberEpoch) {
        if (memberEpoch != 0 || !conversions.canUpgrade(group)) {
            return false;
        }
        try {
            conversions.upgrade(group);
            return true;
        } catch (RuntimeException malformed) {
            log.warn("Classic group {} cannot be upgraded to a consumer group: a member's embedded protocol is malformed ({})",
                    group.groupId, malformed.toString());
            return false;
        }
    }

    /** Stores a group after a consumer-protocol heartbeat: its consumer record, or the classic record a downgrade wrote. */
    private CompletableFuture<Void> persist(String groupId) {
        return classic.groups.containsKey(groupId) ? metadata.lastWrite(groupId) : consumer.persist(groupId);
    }

    public CompletableFuture<List<ConsumerGroupDescribeResponseData.DescribedGroup>> consumerGroupDescribe(List<String> groupIds) {
        return onCoordinator(() -> {
            List<ConsumerGroupDescribeResponseData.DescribedGroup> result = new ArrayList<>();
            for (String id : groupIds) {
                result.add(consumer.describe(id, classic.groups.containsKey(id)));
            }
            return done(result);
        });
    }

    // ---------------------------------------------------------------- offsets

    /**
     * Validates the committer (member and generation or member epoch, as Kafka does) and stores the
     * offsets; per-partition checks (metadata size) are done here too. Unknown topics are the caller's.
     * @return the error for every partition, or per partition when they differ
     */
    public CompletableFuture<Map<TopicPartition, Errors>> commitOffsets(String groupId, int generationOrEpoch, String memberId,
                                                                       String groupInstanceId, Map<TopicPartition, CommittedOffset> commits) {
        return onCoordinator(() -> {
            Errors groupError = validateCommit(groupId, generationOrEpoch, memberId, groupInstanceId, commits.keySet());
            Map<TopicPartition, Errors> result = new HashMap<>();
            Map<TopicPartition, CommittedOffset> valid = new HashMap<>();
            commits.forEach((tp, o) -> {
                if (groupError != Errors.NONE) {
                    result.put(tp, groupError);
                } else if (o.metadata() != null && o.metadata().length() > config.offsetMetadataMaxBytes()) {
                    result.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
                } else {
                    result.put(tp, Errors.NONE);
                    valid.put(tp, o);
                }
            });
            if (valid.isEmpty()) {
                return done(result);
            }
            if (!consumer.groups.containsKey(groupId)) {
                classic.getOrCreate(groupId);
            }
            return offsets.commit(groupId, valid).thenApply(v -> result);
        });
    }

    private Errors validateCommit(String groupId, int generation, String memberId, String instanceId, Set<TopicPartition> partitions) {
        if (groupId == null || groupId.isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        ConsumerGroup cg = consumer.groups.get(groupId);
        if (cg != null) {
            return consumer.validateCommit(cg, generation, memberId, partitions);
        }
        ClassicGroup group = classic.groups.get(groupId);
        if (group == null) {
            return generation < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION; // a group that only stores offsets ("simple" consumer)
        }
        if (group.is(ClassicGroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generation < 0 && group.is(ClassicGroupState.EMPTY)) {
            return Errors.NONE;
        }
        if (group.fencedStaticMember(instanceId, memberId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        if (!group.members.containsKey(memberId)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (generation != group.generationId) {
            return Errors.ILLEGAL_GENERATION;
        }
        if (group.is(ClassicGroupState.COMPLETING_REBALANCE)) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        return Errors.NONE;
    }

    /**
     * Committed offsets of each requested group; null partitions means all of the group's.
     * Returns per group either an error or the offsets (-1 where nothing is committed).
     */
    public CompletableFuture<Map<String, Object>> fetchOffsets(List<OffsetRequest> requests) {
        return onCoordinator(() -> {
            Map<String, Object> result = new HashMap<>();
            for (OffsetRequest r : requests) {
                ConsumerGroup cg = consumer.groups.get(r.groupId());
                Errors error = cg != null && r.memberId() != null ? consumer.validateFetch(cg, r.memberId(), r.memberEpoch()) : Errors.NONE;
                if (error != Errors.NONE) {
                    result.put(r.groupId(), error);
                    continue;
                }
                Map<TopicPartition, CommittedOffset> committed = offsets.offsets(r.groupId());
                Map<TopicPartition, CommittedOffset> answer = new HashMap<>();
                if (r.partitions() == null) {
                    answer.putAll(committed);
                } else {
                    for (TopicPartition tp : r.partitions()) {
                        answer.put(tp, committed.getOrDefault(tp, new CommittedOffset(-1, -1, "", -1)));
                    }
                }
                if (r.requireStable()) { // KIP-447: an offset a transaction is committing is not answered until it ends
                    for (TopicPartition tp : offsets.pendingPartitions(r.groupId())) {
                        if (r.partitions() == null || answer.containsKey(tp)) {
                            answer.put(tp, CommittedOffset.UNSTABLE);
                        }
                    }
                }
                result.put(r.groupId(), answer);
            }
            return done(result);
        });
    }

    /**
     * TxnOffsetCommit: checked as a commit (member and generation, when the producer gives them, KIP-447)
     * and kept pending until the producer's transaction ends ({@link #completeTransaction}).
     */
    public CompletableFuture<Map<TopicPartition, Errors>> commitTransactionalOffsets(String groupId, long producerId, int generation,
            String memberId, String groupInstanceId, Map<TopicPartition, CommittedOffset> commits) {
        return onCoordinator(() -> {
            boolean anonymous = (memberId == null || memberId.isEmpty()) && generation < 0; // older producers send no member
            Errors groupError = anonymous ? (groupId == null || groupId.isEmpty() ? Errors.INVALID_GROUP_ID : Errors.NONE)
                    : validateCommit(groupId, generation, memberId, groupInstanceId, commits.keySet());
            Map<TopicPartition, Errors> result = new HashMap<>();
            Map<TopicPartition, CommittedOffset> valid = new HashMap<>();
            commits.forEach((tp, o) -> {
                Errors e = groupError != Errors.NONE ? groupError
                        : o.metadata() != null && o.metadata().length() > config.offsetMetadataMaxBytes() ? Errors.OFFSET_METADATA_TOO_LARGE : Errors.NONE;
                result.put(tp, e);
                if (e == Errors.NONE) {
                    valid.put(tp, o);
                }
            });
            if (valid.isEmpty()) {
                return done(result);
            }
            if (!consumer.groups.containsKey(groupId)) {
                classic.getOrCreate(groupId);
            }
            return offsets.commitPending(groupId, producerId, valid).thenApply(v -> result);
        });
    }

    /** The producer's transaction ended: its pending offsets become committed (commit) or are dropped; completes when durable. */
    public CompletableFuture<Void> completeTransaction(long producerId, boolean commit) {
        return onCoordinator(() -> offsets.completeTransaction(producerId, commit));
    }

    /** OffsetDelete: refused per partition (GROUP_SUBSCRIBED_TO_TOPIC) while active members consume the topic. */
    public CompletableFuture<Object> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        return onCoordinator(() -> {
            ClassicGroup group = classic.groups.get(groupId);
            ConsumerGroup cg = consumer.groups.get(groupId);
            if (group == null && cg == null) {
                return done(Errors.GROUP_ID_NOT_FOUND);
            }
            if (group != null && !group.is(ClassicGroupState.EMPTY) && !"consumer".equals(group.protocolType)) {
                return done(Errors.NON_EMPTY_GROUP);
            }
            Set<String> subscribed = cg != null ? consumer.subscribedTopics(cg) : subscribedTopics(group);
            Map<TopicPartition, Errors> result = new HashMap<>();
            List<TopicPartition> deletable = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                if (subscribed.contains(tp.topic())) {
                    result.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
                } else {
                    result.put(tp, Errors.NONE);
                    deletable.add(tp);
                }
            }
            return offsets.delete(groupId, deletable).thenApply(v -> result);
        });
    }

    private static Set<String> subscribedTopics(ClassicGroup group) {
        Set<String> topics = new java.util.HashSet<>();
        if (group.is(ClassicGroupState.EMPTY) || group.protocolName == null) {
            return topics;
        }
        for (ClassicMember m : group.members.values()) {
            try {
                topics.addAll(ConsumerProtocol.deserializeSubscription(java.nio.ByteBuffer.wrap(m.protocols.get(group.protocolName))).topics());
            } catch (RuntimeException e) {
                log.debug("Member {} of group {} has no parsable consumer subscription", m.memberId, group.groupId);
            }
        }
        return topics;
    }

    /** Deletes the offsets of a deleted topic from every group. */
    public void onTopicDeleted(String topic) {
        scheduler.execute(() -> offsets.deleteTopic(topic));
    }

    /** offsets.retention.minutes: an empty group's offsets expire that long after it emptied and after its last commit. */
    private void expireOffsets() {
        long now = scheduler.now();
        for (String groupId : offsets.groups()) {
            ClassicGroup group = classic.groups.get(groupId);
            boolean empty = group != null ? group.is(ClassicGroupState.EMPTY) : !consumer.groups.containsKey(groupId)
                    || consumer.groups.get(groupId).members.isEmpty();
            long since = Math.max(offsets.lastCommitTimestamp(groupId), group != null ? group.emptySince : 0);
            if (empty && now - since >= config.offsetsRetentionMs()) {
                log.info("Expiring the committed offsets of empty group {}", groupId);
                offsets.delete(groupId, null);
                if (group != null) {
                    classic.delete(group);
                }
            }
        }
        scheduler.schedule(EXPIRY_KEY, config.offsetsRetentionCheckIntervalMs(), this::expireOffsets);
    }

    // ---------------------------------------------------------------- admin

    public CompletableFuture<List<DescribedGroup>> describeGroups(List<String> groupIds, boolean errorWhenMissing) {
        return onCoordinator(() -> {
            List<DescribedGroup> result = new ArrayList<>();
            for (String id : groupIds) {
                result.add(describe(id, errorWhenMissing));
            }
            return done(result);
        });
    }

    private DescribedGroup describe(String id, boolean errorWhenMissing) {
        ClassicGroup g = classic.groups.get(id);
        if (g == null) {
            if (consumer.groups.containsKey(id)) {
                return new DescribedGroup().setGroupId(id).setErrorCode(Errors.NONE.code()).setGroupState(consumer.stateOf(consumer.groups.get(id)))
                        .setProtocolType("consumer").setProtocolData("");
            }
            return new DescribedGroup().setGroupId(id).setGroupState(ClassicGroupState.DEAD.kafkaName).setProtocolType("").setProtocolData("")
                    .setErrorCode(errorWhenMissing ? Errors.GROUP_ID_NOT_FOUND.code() : Errors.NONE.code())
                    .setErrorMessage(errorWhenMissing ? "Group " + id + " not found." : null);
        }
        DescribedGroup d = new DescribedGroup().setGroupId(id).setErrorCode(Errors.NONE.code()).setGroupState(g.state.kafkaName)
                .setProtocolType(g.protocolType == null ? "" : g.protocolType)
                .setProtocolData(g.is(ClassicGroupState.STABLE) && g.protocolName != null ? g.protocolName : "");
        for (ClassicMember m : g.members.values()) {
            boolean stable = g.is(ClassicGroupState.STABLE);
            d.members().add(new DescribedGroupMember().setMemberId(m.memberId).setGroupInstanceId(m.groupInstanceId)
                    .setClientId(m.clientId).setClientHost(m.clientHost)
                    .setMemberMetadata(stable && g.protocolName != null ? m.protocols.get(g.protocolName) : new byte[0])
                    .setMemberAssignment(stable ? m.assignment : new byte[0]));
        }
        return d;
    }

    public CompletableFuture<List<ListedGroup>> listGroups(Set<String> states, Set<String> types) {
        return onCoordinator(() -> {
            List<ListedGroup> result = new ArrayList<>();
            classic.groups.values().forEach(g -> add(result, states, types, new ListedGroup().setGroupId(g.groupId)
                    .setProtocolType(g.protocolType == null ? "" : g.protocolType).setGroupState(g.state.kafkaName).setGroupType("classic")));
            consumer.groups.values().forEach(g -> add(result, states, types, new ListedGroup().setGroupId(g.groupId)
                    .setProtocolType("consumer").setGroupState(consumer.stateOf(g)).setGroupType("consumer")));
            return done(result);
        });
    }

    private static void add(List<ListedGroup> result, Set<String> states, Set<String> types, ListedGroup g) {
        if ((states.isEmpty() || states.stream().anyMatch(s -> s.equalsIgnoreCase(g.groupState())))
                && (types.isEmpty() || types.stream().anyMatch(t -> t.equalsIgnoreCase(g.groupType())))) {
            result.add(g);
        }
    }

    public CompletableFuture<List<DeletableGroupResult>> deleteGroups(List<String> groupIds) {
        return onCoordinator(() -> {
            List<DeletableGroupResult> result = new ArrayList<>();
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (String id : groupIds) {
                ClassicGroup g = classic.groups.get(id);
                ConsumerGroup cg = consumer.groups.get(id);
                Errors error;
                if (g == null && cg == null) {
                    error = Errors.GROUP_ID_NOT_FOUND;
                } else if ((g != null && !g.is(ClassicGroupState.EMPTY)) || (cg != null && !cg.members.isEmpty())) {
                    error = Errors.NON_EMPTY_GROUP;
                } else {
                    if (g != null) {
                        writes.add(classic.delete(g));
                    } else {
                        consumer.groups.remove(id);
                        writes.add(consumer.persist(id));
                    }
                    writes.add(offsets.delete(id, null));
                    error = Errors.NONE;
                    log.info("Deleted group {}", id);
                }
                result.add(new DeletableGroupResult().setGroupId(id).setErrorCode(error.code()));
            }
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> result);
        });
    }

    @Override
    public void close() {
        if (scheduler instanceof CoordinatorThread t) {
            t.close();
        }
    }
}
