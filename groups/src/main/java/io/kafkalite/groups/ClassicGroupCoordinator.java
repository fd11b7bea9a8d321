package io.kafkalite.groups;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic rebalance protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), as Kafka's
 * coordinator runs it: member ids (MEMBER_ID_REQUIRED on a first join, v4+), generations, the
 * rebalance timeout, session expiry, {@code group.initial.rebalance.delay.ms}, leader election,
 * client-side assignment carried as opaque bytes, and static membership (KIP-345). Runs on the
 * coordinator thread only.
 */
final class ClassicGroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroupCoordinator.class);

    private final Scheduler scheduler;
    private final GroupConfig config;
    private final GroupMetadataStore store;
    final Map<String, ClassicGroup> groups = new HashMap<>();

    ClassicGroupCoordinator(Scheduler scheduler, GroupConfig config, GroupMetadataStore store) {
        this.scheduler = scheduler;
        this.config = config;
        this.store = store;
    }

    /** A group replayed from its stored record: Stable, and every member gets a fresh session timer (as Kafka on load). */
    void restore(ClassicGroup group) {
        groups.put(group.groupId, group);
        group.members.values().forEach(m -> scheduleSession(group, m));
    }

    /** Stores the group's record (Stable) or its tombstone (Empty, Dead); other states keep the last record. */
    private CompletableFuture<Void> persist(ClassicGroup group) {
        if (group.is(ClassicGroupState.STABLE)) {
            return store.put(group.groupId, ClassicGroupRecords.newGroupRecord(group));
        }
        if (group.is(ClassicGroupState.EMPTY) || group.is(ClassicGroupState.DEAD)) {
            return store.put(group.groupId, null);
        }
        return CompletableFuture.completedFuture(null);
    }

    private void persistInBackground(ClassicGroup group) {
        persist(group).whenComplete((v, e) -> {
            if (e != null) {
                log.error("Storing the metadata of group {} failed", group.groupId, e);
            }
        });
    }

    static String joinKey(String groupId) {
        return "join/" + groupId;
    }

    static String sessionKey(String groupId, String memberId) {
        return "session/" + groupId + "/" + memberId;
    }

    ClassicGroup getOrCreate(String groupId) {
        return groups.computeIfAbsent(groupId, id -> new ClassicGroup(id, scheduler.now()));
    }

    // ---------------------------------------------------------------- JoinGroup

    CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData req, String clientId, String clientHost, short version) {
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs() || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return joinError(req.memberId(), Errors.INVALID_SESSION_TIMEOUT);
        }
        boolean unknownMember = req.memberId().isEmpty();
        ClassicGroup group = groups.get(req.groupId());
        if (group == null) {
            if (!unknownMember) {
                return joinError(req.memberId(), Errors.UNKNOWN_MEMBER_ID);
            }
            group = getOrCreate(req.groupId());
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        for (JoinGroupRequestProtocol p : req.protocols()) {
            protocols.put(p.name(), p.metadata());
        }
        if (group.is(ClassicGroupState.DEAD)) {
            return joinError(req.memberId(), Errors.COORDINATOR_NOT_AVAILABLE);
        }
        if (!group.supports(req.protocolType(), protocols.keySet())) {
            return joinError(req.memberId(), Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        return unknownMember ? joinUnknownMember(group, req, protocols, clientId, clientHost, version)
                : joinKnownMember(group, req, protocols, clientId, clientHost);
    }

    private CompletableFuture<JoinGroupResponseData> joinUnknownMember(ClassicGroup group, JoinGroupRequestData req, Map<String, byte[]> protocols,
                                                                      String clientId, String clientHost, short version) {
        String instanceId = req.groupInstanceId();
        if (instanceId == null && group.members.size() + group.pendingMembers.size() >= config.maxSize()) {
            return joinError("", Errors.GROUP_MAX_SIZE_REACHED);
        }
        String memberId = (instanceId != null ? instanceId : clientId) + "-" + UUID.randomUUID();
        if (instanceId != null) {
            String previous = group.staticMembers.get(instanceId);
            if (previous != null) {
                return rejoinStaticMember(group, group.members.get(previous), memberId, req, protocols, clientId, clientHost);
            }
        } else if (version >= 4) {
            // KIP-394: hand out the member id first, so a retried join is not a new member
            group.pendingMembers.add(memberId);
            scheduler.schedule(sessionKey(group.groupId, memberId), req.sessionTimeoutMs(), () -> expirePending(group, memberId));
            return joinError(memberId, Errors.MEMBER_ID_REQUIRED);
        }
        ClassicMember member = new ClassicMember(memberId, instanceId, clientId, clientHost, req.sessionTimeoutMs(),
                req.rebalanceTimeoutMs(), protocols);
        return addMemberAndRebalance(group, member, req.protocolType());
    }

    private CompletableFuture<JoinGroupResponseData> joinKnownMember(ClassicGroup group, JoinGroupRequestData req, Map<String, byte[]> protocols,
                                                                    String clientId, String clientHost) {
        String memberId = req.memberId();
        if (group.pendingMembers.remove(memberId)) {
            scheduler.cancel(sessionKey(group.groupId, memberId));
            ClassicMember member = new ClassicMember(memberId, req.groupInstanceId(), clientId, clientHost, req.sessionTimeoutMs(),
                    req.rebalanceTimeoutMs(), protocols);
            return addMemberAndRebalance(group, member, req.protocolType());
        }
        if (group.fencedStaticMember(req.groupInstanceId(), memberId)) {
            return joinError(memberId, Errors.FENCED_INSTANCE_ID);
        }
        ClassicMember member = group.members.get(memberId);
        if (member == null) {
            return joinError(memberId, Errors.UNKNOWN_MEMBER_ID);
        }
        member.sessionTimeoutMs = req.sessionTimeoutMs();
        member.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        switch (group.state) {
            case PREPARING_REBALANCE:
                return updateMemberAndRebalance(group, member, protocols);
            case COMPLETING_REBALANCE:
                if (member.sameProtocols(protocols)) {
                    return CompletableFuture.completedFuture(currentGenerationResponse(group, member));
                }
                return updateMemberAndRebalance(group, member, protocols);
            case STABLE:
                if (member.memberId.equals(group.leaderId) || !member.sameProtocols(protocols)) {
                    return updateMemberAndRebalance(group, member, protocols);
                }
                return CompletableFuture.completedFuture(currentGenerationResponse(group, member));
            default:
                return joinError(memberId, Errors.UNKNOWN_MEMBER_ID);
        }
    }

    /** A static member restarted (a join without member id): it takes over its old slot under a new member id. */
    private CompletableFuture<JoinGroupResponseData> rejoinStaticMember(ClassicGroup group, ClassicMember old, String newMemberId,
                                                                        JoinGroupRequestData req, Map<String, byte[]> protocols,
                                                                        String clientId, String clientHost) {
        ClassicMember fresh = new ClassicMember(newMemberId, old.groupInstanceId, clientId, clientHost, req.sessionTimeoutMs(),
                req.rebalanceTimeoutMs(), protocols);
        fresh.assignment = old.assignment;
        replaceMember(group, old, fresh);
        if (group.is(ClassicGroupState.STABLE) && group.selectProtocol().equals(group.protocolName)) {
            // KIP-345: no rebalance while the group's protocol stays (as Kafka decides: a restarted consumer's
            // subscription differs in its owned partitions); the member syncs with the new id and gets its old
            // assignment back
            scheduleSession(group, fresh);
            log.info("Static member {} of group {} rejoined as {} without a rebalance", old.groupInstanceId, group.groupId, newMemberId);
            // a returning leader must not recompute the assignment (KIP-814: skip_assignment)
            JoinGroupResponseData response = currentGenerationResponse(group, fresh).setSkipAssignment(fresh.memberId.equals(group.leaderId));
            // the new member id is stored before the member learns it, so a coordinator restart keeps it
            return persist(group).handle((v, e) -> {
                if (e != null) {
                    log.error("Storing group {} after static member {} rejoined failed", group.groupId, old.groupInstanceId, e);
                    return joinResponse(newMemberId, Errors.COORDINATOR_NOT_AVAILABLE);
                }
                return response;
            });
        }
        return updateMemberAndRebalance(group, fresh, protocols);
    }

    private void replaceMember(ClassicGroup group, ClassicMember old, ClassicMember fresh) {
        if (old.awaitingJoin != null) {
            old.awaitingJoin.complete(joinResponse(old.memberId, Errors.FENCED_INSTANCE_ID));
        }
        if (old.awaitingSync != null) {
            old.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
        }
        scheduler.cancel(sessionKey(group.groupId, old.memberId));
        Map<String, ClassicMember> reordered = new LinkedHashMap<>();
        group.members.forEach((id, m) -> reordered.put(id.equals(old.memberId) ? fresh.memberId : id, m == old ? fresh : m));
        group.members.clear();
        group.members.putAll(reordered);
        group.staticMembers.put(fresh.groupInstanceId, fresh.memberId);
        if (old.memberId.equals(group.leaderId)) {
            group.leaderId = fresh.memberId;
        }
    }

    private CompletableFuture<JoinGroupResponseData> addMemberAndRebalance(ClassicGroup group, ClassicMember member, String protocolType) {
        if (group.members.isEmpty()) {
            group.protocolType = protocolType;
        }
        group.members.put(member.memberId, member);
        if (member.groupInstanceId != null) {
            group.staticMembers.put(member.groupInstanceId, member.memberId);
        }
        if (group.leaderId == null) {
            group.leaderId = member.memberId;
        }
        group.newMemberDuringDelay = true;
        member.awaitingJoin = new CompletableFuture<>();
        CompletableFuture<JoinGroupResponseData> result = member.awaitingJoin;
        prepareOrCompleteRebalance(group);
        return result;
    }

    private CompletableFuture<JoinGroupResponseData> updateMemberAndRebalance(ClassicGroup group, ClassicMember member, Map<String, byte[]> protocols) {
        member.protocols = new LinkedHashMap<>(protocols);
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(joinResponse(member.memberId, Errors.REBALANCE_IN_PROGRESS)); // superseded by this join
        }
        member.awaitingJoin = new CompletableFuture<>();
        CompletableFuture<JoinGroupResponseData> result = member.awaitingJoin;
        prepareOrCompleteRebalance(group);
        return result;
    }

    private void prepareOrCompleteRebalance(ClassicGroup group) {
        if (group.is(ClassicGroupState.PREPARING_REBALANCE)) {
            maybeCompleteJoin(group);
        } else {
            prepareRebalance(group);
        }
    }

    private void prepareRebalance(ClassicGroup group) {
        if (group.is(ClassicGroupState.COMPLETING_REBALANCE)) {
            for (ClassicMember m : group.members.values()) {
                m.assignment = new byte[0];
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
                    m.awaitingSync = null;
                }
            }
        }
        boolean fromEmpty = group.is(ClassicGroupState.EMPTY);
        group.state = ClassicGroupState.PREPARING_REBALANCE;
        log.info("Group {} rebalancing (generation {}, {} members)", group.groupId, group.generationId, group.members.size());
        if (fromEmpty && config.initialRebalanceDelayMs() > 0) {
            group.initialDelayPending = true;
            group.newMemberDuringDelay = false;
            int delay = Math.min(config.initialRebalanceDelayMs(), group.rebalanceTimeoutMs());
            scheduleInitialDelay(group, delay, group.rebalanceTimeoutMs() - delay);
        } else {
            scheduler.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), () -> completeJoin(group));
            maybeCompleteJoin(group);
        }
    }

    /** The first rebalance of an empty group waits for more members; each newcomer extends the wait, up to the rebalance timeout. */
    private void scheduleInitialDelay(ClassicGroup group, int delay, int remaining) {
        scheduler.schedule(joinKey(group.groupId), delay, () -> {
            if (group.newMemberDuringDelay && remaining > 0) {
                group.newMemberDuringDelay = false;
                int next = Math.min(config.initialRebalanceDelayMs(), remaining);
                scheduleInitialDelay(group, next, remaining - next);
            } else {
                group.initialDelayPending = false;
                completeJoin(group);
            }
        });
    }

    private void maybeCompleteJoin(ClassicGroup group) {
        if (group.is(ClassicGroupState.PREPARING_REBALANCE) && !group.initialDelayPending && group.allMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: members that did not rejoin are dropped, the generation advances, everyone gets the outcome. */
    private void completeJoin(ClassicGroup group) {
        if (!group.is(ClassicGroupState.PREPARING_REBALANCE)) {
            return;
        }
        scheduler.cancel(joinKey(group.groupId));
        group.initialDelayPending = false;
        for (ClassicMember m : new ArrayList<>(group.members.values())) {
            if (m.awaitingJoin == null) {
                log.info("Member {} of group {} did not rejoin in time and is removed", m.memberId, group.groupId);
                removeMember(group, m);
            }
        }
        group.generationId++;
        if (group.members.isEmpty()) {
            group.state = ClassicGroupState.EMPTY;
            group.protocolName = null;
            group.leaderId = null;
            group.emptySince = scheduler.now();
            persistInBackground(group); // tombstone: an empty group comes back Empty from its offsets
            return;
        }
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.protocolName = group.selectProtocol();
        group.state = ClassicGroupState.COMPLETING_REBALANCE;
        log.info("Group {} generation {}: {} members, protocol {}, leader {}", group.groupId, group.generationId, group.members.size(),
                group.protocolName, group.leaderId);
        for (ClassicMember m : group.members.values()) {
            CompletableFuture<JoinGroupResponseData> waiting = m.awaitingJoin;
            m.awaitingJoin = null;
            scheduleSession(group, m);
            waiting.complete(currentGenerationResponse(group, m));
        }
    }

    private JoinGroupResponseData currentGenerationResponse(ClassicGroup group, ClassicMember member) {
        JoinGroupResponseData r = new JoinGroupResponseData().setErrorCode(Errors.NONE.code()).setGenerationId(group.generationId)
                .setProtocolType(group.protocolType).setProtocolName(group.protocolName).setLeader(group.leaderId)
                .setMemberId(member.memberId).setSkipAssignment(false);
        if (member.memberId.equals(group.leaderId)) {
            List<JoinGroupResponseMember> members = new ArrayList<>();
            for (ClassicMember m : group.members.values()) {
                members.add(new JoinGroupResponseMember().setMemberId(m.memberId).setGroupInstanceId(m.groupInstanceId)
                        .setMetadata(m.protocols.get(group.protocolName)));
            }
            r.setMembers(members);
        }
        return r;
    }

    // ---------------------------------------------------------------- SyncGroup

    CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData req) {
        ClassicGroup group = groups.get(req.groupId());
        if (group == null || group.is(ClassicGroupState.EMPTY)) {
            return syncError(Errors.UNKNOWN_MEMBER_ID);
        }
        if (group.is(ClassicGroupState.DEAD)) {
            return syncError(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        if (group.fencedStaticMember(req.groupInstanceId(), req.memberId())) {
            return syncError(Errors.FENCED_INSTANCE_ID);
        }
        ClassicMember member = group.members.get(req.memberId());
        if (member == null) {
            return syncError(Errors.UNKNOWN_MEMBER_ID);
        }
        if (req.generationId() != group.generationId) {
            return syncError(Errors.ILLEGAL_GENERATION);
        }
        if ((req.protocolType() != null && !req.protocolType().equals(group.protocolType))
                || (req.protocolName() != null && !req.protocolName().equals(group.protocolName))) {
            return syncError(Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        switch (group.state) {
            case PREPARING_REBALANCE:
                return syncError(Errors.REBALANCE_IN_PROGRESS);
            case COMPLETING_REBALANCE:
                member.awaitingSync = new CompletableFuture<>();
                CompletableFuture<SyncGroupResponseData> result = member.awaitingSync;
                scheduleSession(group, member);
                if (member.memberId.equals(group.leaderId)) {
                    Map<String, byte[]> assignments = new HashMap<>();
                    for (SyncGroupRequestAssignment a : req.assignments()) {
                        assignments.put(a.memberId(), a.assignment());
                    }
                    for (ClassicMember m : group.members.values()) {
                        m.assignment = assignments.getOrDefault(m.memberId, new byte[0]);
                    }
                    completeGeneration(group);
                }
                return result;
            case STABLE:
                scheduleSession(group, member);
                return CompletableFuture.completedFuture(syncResponse(group, member));
            default:
                return syncError(Errors.UNKNOWN_MEMBER_ID);
        }
    }

    /**
     * The leader's assignment completes the generation: its record is stored, and only once it is durable
     * does the group become Stable and the members waiting in SyncGroup get their assignment (as Kafka
     * does). If the write fails they are told COORDINATOR_NOT_AVAILABLE and the group rebalances.
     */
    private void completeGeneration(ClassicGroup group) {
        int generation = group.generationId;
        store.put(group.groupId, ClassicGroupRecords.newGroupRecord(group)).whenComplete((v, e) -> scheduler.execute(() -> {
            if (groups.get(group.groupId) != group || group.generationId != generation || !group.is(ClassicGroupState.COMPLETING_REBALANCE)) {
                return; // the group moved on while the record was written
            }
            if (e != null) {
                log.error("Storing generation {} of group {} failed; the group rebalances", generation, group.groupId, e);
            } else {
                group.state = ClassicGroupState.STABLE;
            }
            for (ClassicMember m : group.members.values()) {
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(e == null ? syncResponse(group, m)
                            : new SyncGroupResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setAssignment(new byte[0]));
                    m.awaitingSync = null;
                }
            }
            if (e != null) {
                prepareRebalance(group);
            }
        }));
    }

    private static SyncGroupResponseData syncResponse(ClassicGroup group, ClassicMember member) {
        return new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName).setAssignment(member.assignment);
    }

    // ---------------------------------------------------------------- Heartbeat, LeaveGroup, expiry

    Errors heartbeat(HeartbeatRequestData req) {
        ClassicGroup group = groups.get(req.groupId());
        if (group == null || group.is(ClassicGroupState.EMPTY)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (group.is(ClassicGroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (group.fencedStaticMember(req.groupInstanceId(), req.memberId())) {
            return Errors.FENCED_INSTANCE_ID;
        }
        ClassicMember member = group.members.get(req.memberId());
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (req.generationId() != group.generationId) {
            return Errors.ILLEGAL_GENERATION;
        }
        scheduleSession(group, member);
        return group.is(ClassicGroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    /** Removes members (batched, KIP-345); returns the group-level error and one result per member. */
    Errors leave(String groupId, List<MemberIdentity> identities, List<MemberResponse> results) {
        ClassicGroup group = groups.get(groupId);
        if (group == null || group.is(ClassicGroupState.DEAD)) {
            return group == null ? Errors.UNKNOWN_MEMBER_ID : Errors.COORDINATOR_NOT_AVAILABLE;
        }
        for (MemberIdentity id : identities) {
            results.add(new MemberResponse().setMemberId(id.memberId()).setGroupInstanceId(id.groupInstanceId())
                    .setErrorCode(leaveOne(group, id).code()));
        }
        return Errors.NONE;
    }

    private Errors leaveOne(ClassicGroup group, MemberIdentity id) {
        String memberId = id.memberId();
        if (id.groupInstanceId() != null) {
            String current = group.staticMembers.get(id.groupInstanceId());
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!memberId.isEmpty() && !memberId.equals(current)) {
                return Errors.FENCED_INSTANCE_ID;
            }
            memberId = current;
        }
        if (group.pendingMembers.remove(memberId)) {
            scheduler.cancel(sessionKey(group.groupId, memberId));
            maybeCompleteJoin(group);
            return Errors.NONE;
        }
        ClassicMember member = group.members.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        log.info("Member {} left group {}{}", memberId, group.groupId, id.reason() == null ? "" : " (" + id.reason() + ")");
        removeMemberAndRebalance(group, member);
        return Errors.NONE;
    }

    private void scheduleSession(ClassicGroup group, ClassicMember member) {
        scheduler.schedule(sessionKey(group.groupId, member.memberId), member.sessionTimeoutMs, () -> expireSession(group, member));
    }

    private void expireSession(ClassicGroup group, ClassicMember member) {
        if (group.members.get(member.memberId) != member) {
            return;
        }
        if (member.waiting()) {
            scheduleSession(group, member);
            return;
        }
        log.info("Member {} of group {} missed its session timeout ({} ms) and is removed", member.memberId, group.groupId,
                member.sessionTimeoutMs);
        removeMemberAndRebalance(group, member);
    }

    private void expirePending(ClassicGroup group, String memberId) {
        if (group.pendingMembers.remove(memberId)) {
            maybeCompleteJoin(group);
        }
    }

    private void removeMemberAndRebalance(ClassicGroup group, ClassicMember member) {
        removeMember(group, member);
        switch (group.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group);
            case PREPARING_REBALANCE -> {
                if (group.members.isEmpty()) {
                    completeJoin(group);
                } else {
                    maybeCompleteJoin(group);
                }
            }
            default -> { }
        }
    }

    private void removeMember(ClassicGroup group, ClassicMember member) {
        group.members.remove(member.memberId);
        if (member.groupInstanceId != null) {
            group.staticMembers.remove(member.groupInstanceId, member.memberId);
        }
        scheduler.cancel(sessionKey(group.groupId, member.memberId));
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(joinResponse(member.memberId, Errors.UNKNOWN_MEMBER_ID));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
            member.awaitingSync = null;
        }
        if (member.memberId.equals(group.leaderId)) {
            group.leaderId = group.members.isEmpty() ? null : group.members.keySet().iterator().next();
        }
    }

    /** Makes a group dead (DeleteGroups); only empty groups are deleted. Completes when its tombstone is durable. */
    CompletableFuture<Void> delete(ClassicGroup group) {
        group.state = ClassicGroupState.DEAD;
        groups.remove(group.groupId);
        scheduler.cancel(joinKey(group.groupId));
        return persist(group);
    }

    /**
     * Hands a group with members over to the consumer protocol (an upgrade): members waiting in JoinGroup
     * or SyncGroup are told REBALANCE_IN_PROGRESS, timers stop, no tombstone is written (the consumer
     * group's record replaces this one).
     */
    void detach(ClassicGroup group) {
        for (ClassicMember m : group.members.values()) {
            if (m.awaitingJoin != null) {
                m.awaitingJoin.complete(joinResponse(m.memberId, Errors.REBALANCE_IN_PROGRESS));
                m.awaitingJoin = null;
            }
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()).setAssignment(new byte[0]));
                m.awaitingSync = null;
            }
            scheduler.cancel(sessionKey(group.groupId, m.memberId));
        }
        group.pendingMembers.forEach(id -> scheduler.cancel(sessionKey(group.groupId, id)));
        scheduler.cancel(joinKey(group.groupId));
        group.state = ClassicGroupState.DEAD;
        groups.remove(group.groupId);
    }

    /**
     * Takes over a Stable group made from a consumer group (a downgrade): its record is stored, as Kafka
     * writes it, and, when a member left, it rebalances so the members agree on a classic assignment.
     * @return the record's write
     */
    CompletableFuture<Void> adopt(ClassicGroup group, boolean rebalance) {
        groups.put(group.groupId, group);
        group.members.values().forEach(m -> scheduleSession(group, m));
        CompletableFuture<Void> written = persist(group);
        written.whenComplete((v, e) -> {
            if (e != null) {
                log.error("Storing the metadata of group {} failed", group.groupId, e);
            }
        });
        if (rebalance) {
            prepareRebalance(group);
        }
        return written;
    }

    // ---------------------------------------------------------------- helpers

    private static JoinGroupResponseData joinResponse(String memberId, Errors error) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setMemberId(memberId).setGenerationId(-1)
                .setProtocolName(null).setLeader("");
    }

    private static CompletableFuture<JoinGroupResponseData> joinError(String memberId, Errors error) {
        return CompletableFuture.completedFuture(joinResponse(memberId, error));
    }

    private static CompletableFuture<SyncGroupResponseData> syncError(Errors error) {
        return CompletableFuture.completedFuture(new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]));
    }
}
