package io.kafkalite.groups;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classic-protocol members of a consumer group (a mixed group, as Kafka 4 runs during an online upgrade):
 * they keep speaking JoinGroup/SyncGroup/Heartbeat/LeaveGroup, but the group's server-side assignor decides
 * their partitions and they reconcile as consumer-protocol members do. JoinGroup is answered at once (the
 * member's epoch is its generation, no leader: every member is a follower); SyncGroup returns the member's
 * current assignment; Heartbeat answers REBALANCE_IN_PROGRESS when the member must rejoin to move on
 * (a new group epoch, partitions to revoke, or released partitions to pick up). A member told to rejoin
 * must do so within its rebalance timeout, and must sync within it after joining, else it is removed.
 * Runs on the coordinator thread only.
 */
final class ConsumerGroupClassicMembers {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupClassicMembers.class);

    private final Scheduler scheduler;
    private final GroupConfig config;
    private final TopicsView topics;
    private final ConsumerGroupCoordinator consumer;
    private final GroupConversions conversions;

    ConsumerGroupClassicMembers(Scheduler scheduler, GroupConfig config, TopicsView topics, ConsumerGroupCoordinator consumer,
                                GroupConversions conversions) {
        this.scheduler = scheduler;
        this.config = config;
        this.topics = topics;
        this.consumer = consumer;
        this.conversions = conversions;
    }

    /** Whether a classic member with these protocols may join: some protocol every classic member supports. */
    static boolean supports(ConsumerGroup group, String protocolType, Set<String> protocols) {
        if (!ConsumerProtocol.PROTOCOL_TYPE.equals(protocolType) || protocols.isEmpty()) {
            return false;
        }
        for (String p : protocols) {
            if (group.members.values().stream().filter(ConsumerMember::usesClassicProtocol)
                    .allMatch(m -> m.classic.protocols().containsKey(p))) {
                return true;
            }
        }
        return false;
    }

    CompletableFuture<JoinGroupResponseData> join(ConsumerGroup group, JoinGroupRequestData req, String clientId, String clientHost, short version) {
        boolean unknown = req.memberId().isEmpty();
        String memberId = unknown ? Uuid.randomUuid().toString() : req.memberId();
        ConsumerMember existing = group.members.get(memberId);
        String holder = req.groupInstanceId() == null ? null : group.staticMembers.get(req.groupInstanceId());
        if (existing == null && holder == null && group.members.size() >= config.maxSize()) {
            return joinError(memberId, Errors.GROUP_MAX_SIZE_REACHED);
        }
        if (existing != null && !existing.usesClassicProtocol()) {
            return joinError(memberId, Errors.UNKNOWN_MEMBER_ID); // a consumer-protocol member's id
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        for (JoinGroupRequestProtocol p : req.protocols()) {
            protocols.put(p.name(), p.metadata());
        }
        if (!supports(group, req.protocolType(), protocols.keySet())) {
            return joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        if (unknown && req.groupInstanceId() == null && version >= 4) {
            return joinError(memberId, Errors.MEMBER_ID_REQUIRED); // KIP-394, as for a classic group
        }
        ConsumerPartitionAssignor.Subscription subscription;
        try {
            subscription = ConsumerProtocolCodec.subscription(protocols.values().iterator().next());
        } catch (RuntimeException malformed) {
            return joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        ConsumerMember replaced = unknown && holder != null ? group.members.get(holder) : null;
        ConsumerMember member = memberFor(group, memberId, unknown, req.groupInstanceId());
        if (member == null) {
            return joinError(memberId, Errors.FENCED_INSTANCE_ID);
        }
        boolean changed = member.memberEpoch == -1
                || !new HashSet<>(subscription.topics()).equals(new HashSet<>(member.subscribedTopicNames))
                || member.subscribedTopicRegex != null;
        member.subscribedTopicNames = List.copyOf(subscription.topics());
        member.subscribedTopicRegex = null;
        subscription.rackId().ifPresent(r -> member.rackId = r);
        if (req.rebalanceTimeoutMs() > 0) {
            member.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        }
        member.clientId = clientId;
        member.clientHost = clientHost;
        member.classic = new ClassicMemberMetadata(req.sessionTimeoutMs(), protocols);
        consumer.updateTargetAssignment(group, changed);
        consumer.reconcile(group, member, ConsumerProtocolCodec.byTopicId(subscription.ownedPartitions(), topics));
        JoinGroupResponseData response = new JoinGroupResponseData().setErrorCode(Errors.NONE.code()).setMemberId(member.memberId)
                .setGenerationId(member.memberEpoch).setProtocolType(ConsumerProtocol.PROTOCOL_TYPE)
                .setProtocolName(member.classic.protocolName()).setLeader("").setSkipAssignment(false);
        String groupId = group.groupId;
        CompletableFuture<Void> downgraded = replaced != null && !replaced.usesClassicProtocol()
                ? conversions.maybeDowngradeAfterReplacement(group) : null;
        if (downgraded != null) { // now a Stable classic group at generation = group epoch: the member syncs with it
            response.setGenerationId(group.groupEpoch);
            return downgraded.handle((v, e) -> e == null ? response : joinResponse(member.memberId, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        return consumer.persist(groupId).handle((v, e) -> {
            if (e != null) {
                log.error("Storing consumer group {} failed", groupId, e);
                return joinResponse(member.memberId, Errors.COORDINATOR_NOT_AVAILABLE);
            }
            return response;
        }).thenApplyAsync(r -> {
            if (r.errorCode() == Errors.NONE.code() && group.members.get(member.memberId) == member) {
                scheduler.cancel(ConsumerGroupCoordinator.joinKey(groupId, member.memberId));
                member.joinTimerPending = false;
                consumer.scheduleSession(group, member);
                scheduleFence(group, member, ConsumerGroupCoordinator.syncKey(groupId, member.memberId), "sync");
            }
            return r;
        }, scheduler::execute);
    }

    /**
     * The member joining: itself, a new member, or a static member's successor taking over its partitions.
     * Null when the instance id is held by another member id (the request's is then fenced).
     */
    private ConsumerMember memberFor(ConsumerGroup group, String memberId, boolean unknown, String instanceId) {
        ConsumerMember member = group.members.get(memberId);
        if (instanceId != null) {
            String holder = group.staticMembers.get(instanceId);
            if (holder != null && !holder.equals(memberId)) {
                if (!unknown) {
                    return null;
                }
                ConsumerMember previous = group.members.remove(holder);
                consumer.cancelTimers(group.groupId, holder);
                if (previous == null) {
                    return null;
                }
                member = new ConsumerMember(memberId);
                member.assigned = previous.assigned;
                member.pendingRevocation = previous.pendingRevocation;
                member.state = previous.state;
                member.memberEpoch = 0; // as Kafka: the successor starts from epoch 0 with its predecessor's partitions
                member.previousMemberEpoch = 0;
                member.subscribedTopicNames = previous.subscribedTopicNames;
                group.targetAssignment.put(memberId, group.targetAssignment.remove(holder));
                group.members.put(memberId, member);
                log.info("Static member {} of consumer group {} rejoined as {}", instanceId, group.groupId, memberId);
            }
        }
        if (member == null) {
            member = new ConsumerMember(memberId);
            member.memberEpoch = -1; // not yet in an epoch: the join bumps the group epoch for the newcomer
            group.members.put(memberId, member);
            log.info("Member {} joined consumer group {} with the classic protocol", memberId, group.groupId);
        }
        member.instanceId = instanceId;
        if (instanceId != null) {
            group.staticMembers.put(instanceId, memberId);
        }
        return member;
    }

    CompletableFuture<SyncGroupResponseData> sync(ConsumerGroup group, SyncGroupRequestData req) {
        ConsumerMember member = group.members.get(req.memberId());
        Errors error = validate(group, member, req.groupInstanceId(), req.memberId(), req.generationId());
        if (error == Errors.NONE && ((req.protocolType() != null && !ConsumerProtocol.PROTOCOL_TYPE.equals(req.protocolType()))
                || (req.protocolName() != null && !req.protocolName().equals(member.classic.protocolName())))) {
            error = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (error == Errors.NONE && group.groupEpoch > member.memberEpoch && member.state != ConsumerMember.State.UNREVOKED_PARTITIONS) {
            scheduleJoinTimeout(group, member); // a new epoch: the member must rejoin to catch up
            error = Errors.REBALANCE_IN_PROGRESS;
        }
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]));
        }
        scheduler.cancel(ConsumerGroupCoordinator.syncKey(group.groupId, member.memberId));
        consumer.scheduleSession(group, member);
        return CompletableFuture.completedFuture(new SyncGroupResponseData().setErrorCode(Errors.NONE.code())
                .setProtocolType(req.protocolType()).setProtocolName(req.protocolName())
                .setAssignment(ConsumerProtocolCodec.assignment(member.assigned, member.classic.firstMetadata(), topics)));
    }

    Errors heartbeat(ConsumerGroup group, HeartbeatRequestData req) {
        ConsumerMember member = group.members.get(req.memberId());
        Errors error = validate(group, member, req.groupInstanceId(), req.memberId(), req.generationId());
        if (error != Errors.NONE) {
            return error;
        }
        consumer.scheduleSession(group, member);
        if (member.memberEpoch < group.groupEpoch || member.state == ConsumerMember.State.UNREVOKED_PARTITIONS
                || (member.state == ConsumerMember.State.UNRELEASED_PARTITIONS && !consumer.waitingOnUnreleasedPartition(group, member))) {
            scheduleJoinTimeout(group, member);
            return Errors.REBALANCE_IN_PROGRESS;
        }
        return Errors.NONE;
    }

    /** Removes classic members (batched, KIP-345); a consumer-protocol member cannot be removed this way. */
    void leave(ConsumerGroup group, List<MemberIdentity> identities, List<MemberResponse> results) {
        boolean removed = false;
        for (MemberIdentity id : identities) {
            ConsumerMember member;
            Errors error = Errors.NONE;
            if (id.groupInstanceId() == null) {
                member = group.members.get(id.memberId());
            } else {
                String current = group.staticMembers.get(id.groupInstanceId());
                member = current == null ? null : group.members.get(current);
                if (member != null && !id.memberId().isEmpty() && !id.memberId().equals(current)) {
                    error = Errors.FENCED_INSTANCE_ID;
                }
            }
            if (error == Errors.NONE && (member == null || !member.usesClassicProtocol())) {
                error = Errors.UNKNOWN_MEMBER_ID;
            }
            if (error == Errors.NONE) {
                log.info("Member {} left consumer group {}{}", member.memberId, group.groupId, id.reason() == null ? "" : " (" + id.reason() + ")");
                consumer.remove(group, member);
                removed = true;
            }
            results.add(new MemberResponse().setMemberId(member == null || error != Errors.NONE ? id.memberId() : member.memberId)
                    .setGroupInstanceId(id.groupInstanceId()).setErrorCode(error.code()));
        }
        if (removed) {
            consumer.persistInBackground(group);
        }
    }

    /** Kafka's checks of a classic member's SyncGroup and Heartbeat in a consumer group. */
    private static Errors validate(ConsumerGroup group, ConsumerMember member, String instanceId, String memberId, int generation) {
        if (instanceId != null) {
            String current = group.staticMembers.get(instanceId);
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!current.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        if (member == null || !member.usesClassicProtocol()) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return generation == member.memberEpoch ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }

    private void scheduleJoinTimeout(ConsumerGroup group, ConsumerMember member) {
        if (!member.joinTimerPending) {
            member.joinTimerPending = true;
            scheduleFence(group, member, ConsumerGroupCoordinator.joinKey(group.groupId, member.memberId), "rejoin");
        }
    }

    private void scheduleFence(ConsumerGroup group, ConsumerMember member, String key, String what) {
        scheduler.schedule(key, Math.max(member.rebalanceTimeoutMs, 1), () -> {
            if (group.members.get(member.memberId) == member) {
                log.info("Classic member {} of consumer group {} did not {} within its rebalance timeout ({} ms) and is removed",
                        member.memberId, group.groupId, what, member.rebalanceTimeoutMs);
                consumer.fence(group, member);
            }
        });
    }

    private static JoinGroupResponseData joinResponse(String memberId, Errors error) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setMemberId(memberId).setGenerationId(-1)
                .setProtocolName(null).setLeader("");
    }

    private static CompletableFuture<JoinGroupResponseData> joinError(String memberId, Errors error) {
        return CompletableFuture.completedFuture(joinResponse(memberId, error));
    }
}
