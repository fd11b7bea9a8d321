package io.kafkalite.groups;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KIP-848 consumer group protocol (ConsumerGroupHeartbeat). Membership and subscriptions live on
 * the broker; the target assignment is computed here by a server-side assignor whenever the group
 * epoch moves; each member then reconciles: it first revokes what its target no longer holds (keeping
 * its epoch), then moves to the new epoch with the partitions nobody else still owns, and picks up the
 * rest as their previous owners release them. No partition is ever owned by two members.
 * Runs on the coordinator thread only.
 */
final class ConsumerGroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupCoordinator.class);

    private final Scheduler scheduler;
    private final GroupConfig config;
    private final TopicsView topics;
    private final GroupMetadataStore store;
    final Map<String, ConsumerGroup> groups = new HashMap<>();
    /** Turns a group back into a classic group when the given member leaves, if allowed; set by {@link GroupCoordinator}. */
    private Downgrade downgrade = (group, leaving) -> false;

    /** See {@link GroupConversions#maybeDowngrade}. */
    interface Downgrade {
        /** @return true if the group was turned into a classic group (without the leaving member) */
        boolean maybeDowngrade(ConsumerGroup group, ConsumerMember leaving);
    }

    ConsumerGroupCoordinator(Scheduler scheduler, GroupConfig config, TopicsView topics, GroupMetadataStore store) {
        this.scheduler = scheduler;
        this.config = config;
        this.topics = topics;
        this.store = store;
    }

    void setDowngrade(Downgrade downgrade) {
        this.downgrade = downgrade;
    }

    /**
     * A group replayed from its stored record. Every member gets a fresh session timer (and a revocation
     * timer if it still owes partitions), as Kafka does on load; members that come back heartbeat on at
     * their epoch.
     */
    void restore(ConsumerGroup group) {
        groups.put(group.groupId, group);
        for (ConsumerMember m : group.members.values()) {
            scheduleSession(group, m);
            if (m.state == ConsumerMember.State.UNREVOKED_PARTITIONS && !m.usesClassicProtocol()) {
                scheduleRevocation(group, m);
            }
        }
    }

    /**
     * Stores the group's record if a heartbeat or timeout changed it (a tombstone once it has no members);
     * completes when durable. A heartbeat is answered only after this.
     */
    CompletableFuture<Void> persist(String groupId) {
        ConsumerGroup group = groups.get(groupId);
        return store.put(groupId, group == null || group.members.isEmpty() ? null : ConsumerGroupRecords.newGroupRecord(group));
    }

    void persistInBackground(ConsumerGroup group) {
        persist(group.groupId).whenComplete((v, e) -> {
            if (e != null) {
                log.error("Storing the metadata of consumer group {} failed", group.groupId, e);
            }
        });
    }

    static String sessionKey(String groupId, String memberId) {
        return "consumer-session/" + groupId + "/" + memberId;
    }

    static String revocationKey(String groupId, String memberId) {
        return "consumer-revocation/" + groupId + "/" + memberId;
    }

    /** A classic member told to rejoin must do so within its rebalance timeout. */
    static String joinKey(String groupId, String memberId) {
        return "consumer-join/" + groupId + "/" + memberId;
    }

    /** A classic member must send SyncGroup within its rebalance timeout after its JoinGroup. */
    static String syncKey(String groupId, String memberId) {
        return "consumer-sync/" + groupId + "/" + memberId;
    }

    ConsumerGroupHeartbeatResponseData heartbeat(ConsumerGroupHeartbeatRequestData req, String clientId, String clientHost, short version) {
        int epoch = req.memberEpoch();
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return error(Errors.INVALID_REQUEST, "GroupId can't be empty.");
        }
        if (version >= 1 && (req.memberId() == null || req.memberId().isEmpty())) {
            return error(Errors.INVALID_REQUEST, "MemberId can't be empty.");
        }
        if (req.serverAssignor() != null && !ConsumerAssignor.known(req.serverAssignor())) {
            return error(Errors.UNSUPPORTED_ASSIGNOR, "Assignor " + req.serverAssignor() + " is not supported; use uniform or range.");
        }
        if (req.subscribedTopicRegex() != null && !validRegex(req.subscribedTopicRegex())) {
            return error(Errors.INVALID_REGULAR_EXPRESSION, "Invalid regular expression: " + req.subscribedTopicRegex());
        }
        if (epoch == 0) {
            if (req.subscribedTopicNames() == null && req.subscribedTopicRegex() == null) {
                return error(Errors.INVALID_REQUEST, "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
            }
            return join(req, clientId, clientHost);
        }
        ConsumerGroup group = groups.get(req.groupId());
        ConsumerMember member = group == null ? null : group.members.get(req.memberId());
        if (member == null) {
            return error(Errors.UNKNOWN_MEMBER_ID, "Member " + req.memberId() + " is not a member of group " + req.groupId());
        }
        if (epoch < 0) {
            return leave(group, member, epoch);
        }
        if (epoch != member.memberEpoch && !(epoch == member.previousMemberEpoch && ownsOnlyAssigned(member, req))) {
            return error(Errors.FENCED_MEMBER_EPOCH, "The member epoch " + epoch + " does not match the current epoch " + member.memberEpoch);
        }
        return heartbeatOf(group, member, req, clientId, clientHost);
    }

    private ConsumerGroupHeartbeatResponseData join(ConsumerGroupHeartbeatRequestData req, String clientId, String clientHost) {
        ConsumerGroup group = groups.computeIfAbsent(req.groupId(), ConsumerGroup::new);
        String memberId = req.memberId() == null || req.memberId().isEmpty() ? Uuid.randomUuid().toString() : req.memberId();
        ConsumerMember member = group.members.get(memberId);
        if (member == null) {
            String previousId = req.instanceId() == null ? null : group.staticMembers.get(req.instanceId());
            ConsumerMember previous = previousId == null ? null : group.members.get(previousId);
            if (previous != null && previous.memberEpoch != -2 && !previous.usesClassicProtocol()) { // a classic one is replaced, as Kafka
                return error(Errors.UNRELEASED_INSTANCE_ID, "Static member " + req.instanceId() + " is still in use by " + previousId);
            }
            if (previous == null && group.members.size() >= config.maxSize()) {
                return error(Errors.GROUP_MAX_SIZE_REACHED, "Group " + group.groupId + " is full.");
            }
            member = new ConsumerMember(memberId);
            if (previous != null) {
                // KIP-345 for consumer groups: the restarted static member takes over its predecessor's partitions
                member.assigned = previous.assigned;
                member.memberEpoch = group.assignmentEpoch;
                group.targetAssignment.put(memberId, group.targetAssignment.remove(previousId));
                group.members.remove(previousId);
                cancelTimers(group.groupId, previousId);
            } else {
                member.memberEpoch = -1; // not yet in an epoch: heartbeatOf bumps the group epoch for the newcomer
            }
            group.members.put(memberId, member);
            if (req.instanceId() != null) {
                group.staticMembers.put(req.instanceId(), memberId);
            }
            log.info("Member {} joined consumer group {} (epoch {})", memberId, group.groupId, group.groupEpoch);
        } else {
            // a known member rejoining from scratch has lost its partitions
            member.assigned = new HashMap<>();
            member.pendingRevocation = new HashMap<>();
            member.state = ConsumerMember.State.STABLE;
            member.memberEpoch = -1;
        }
        member.instanceId = req.instanceId();
        return heartbeatOf(group, member, req, clientId, clientHost);
    }

    private ConsumerGroupHeartbeatResponseData leave(ConsumerGroup group, ConsumerMember member, int epoch) {
        if (epoch == -2 && member.instanceId != null) {
            // a static member leaving for a restart keeps its partitions until its session expires
            member.memberEpoch = -2;
            scheduleSession(group, member);
        } else {
            log.info("Member {} left consumer group {}", member.memberId, group.groupId);
            if (!downgrade.maybeDowngrade(group, member)) {
                remove(group, member);
            }
        }
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code()).setMemberId(member.memberId)
                .setMemberEpoch(epoch).setHeartbeatIntervalMs(0);
    }

    /** Removes a member that left or timed out (or turns the group into a classic group) and stores the group. */
    void fence(ConsumerGroup group, ConsumerMember member) {
        if (!downgrade.maybeDowngrade(group, member)) {
            remove(group, member);
            persistInBackground(group);
        }
    }

    void remove(ConsumerGroup group, ConsumerMember member) {
        group.members.remove(member.memberId);
        if (member.instanceId != null) {
            group.staticMembers.remove(member.instanceId, member.memberId);
        }
        group.targetAssignment.remove(member.memberId);
        cancelTimers(group.groupId, member.memberId);
        group.groupEpoch++;
    }

    /** Cancels every timer of a member (when it leaves, or when its group changes type). */
    void cancelTimers(String groupId, String memberId) {
        scheduler.cancel(sessionKey(groupId, memberId));
        scheduler.cancel(revocationKey(groupId, memberId));
        scheduler.cancel(joinKey(groupId, memberId));
        scheduler.cancel(syncKey(groupId, memberId));
    }

    private ConsumerGroupHeartbeatResponseData heartbeatOf(ConsumerGroup group, ConsumerMember member, ConsumerGroupHeartbeatRequestData req,
                                                           String clientId, String clientHost) {
        boolean changed = false;
        if (req.subscribedTopicNames() != null && !new HashSet<>(req.subscribedTopicNames()).equals(new HashSet<>(member.subscribedTopicNames))) {
            member.subscribedTopicNames = List.copyOf(req.subscribedTopicNames());
            changed = true;
        }
        if (req.subscribedTopicRegex() != null && !req.subscribedTopicRegex().equals(member.subscribedTopicRegex)) {
            member.subscribedTopicRegex = req.subscribedTopicRegex().isEmpty() ? null : req.subscribedTopicRegex();
            changed = true;
        }
        if (req.serverAssignor() != null && !req.serverAssignor().equals(member.serverAssignor)) {
            member.serverAssignor = req.serverAssignor();
            changed = true;
        }
        if (req.rackId() != null) {
            member.rackId = req.rackId();
        }
        if (req.rebalanceTimeoutMs() > 0) {
            member.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        }
        member.clientId = clientId;
        member.clientHost = clientHost;
        updateTargetAssignment(group, changed || member.memberEpoch == -1);
        scheduleSession(group, member);
        reconcile(group, member, req.topicPartitions() == null ? null : toMap(req.topicPartitions()));
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.NONE.code()).setMemberId(member.memberId)
                .setMemberEpoch(member.memberEpoch).setHeartbeatIntervalMs(config.consumerHeartbeatIntervalMs())
                .setAssignment(assignmentOf(member.assigned));
    }

    /** Bumps the group epoch if a member changed or the subscribed topics did, and computes a new target for a new epoch. */
    void updateTargetAssignment(ConsumerGroup group, boolean memberChanged) {
        Map<String, Integer> subscribed = subscribedTopicPartitions(group);
        if (memberChanged || !subscribed.equals(group.subscribedTopicPartitions)) {
            group.groupEpoch++; // one new epoch for whatever changed
        }
        if (group.groupEpoch > group.assignmentEpoch) {
            computeTargetAssignment(group, subscribed);
        }
    }

    private void computeTargetAssignment(ConsumerGroup group, Map<String, Integer> partitions) {
        Map<String, Set<String>> subscriptions = new TreeMap<>();
        String assignor = ConsumerAssignor.UNIFORM;
        for (ConsumerMember m : group.members.values()) {
            subscriptions.put(m.memberId, resolve(m));
            if (m.serverAssignor != null) {
                assignor = m.serverAssignor;
            }
        }
        Map<String, Uuid> ids = new HashMap<>();
        partitions.keySet().forEach(t -> ids.put(t, topics.topicId(t)));
        group.assignorName = assignor;
        group.targetAssignment = ConsumerAssignor.assign(assignor, subscriptions, partitions, ids, group.targetAssignment);
        group.subscribedTopicPartitions = partitions;
        group.assignmentEpoch = group.groupEpoch;
        log.info("Consumer group {} epoch {}: new target assignment for {} members ({})", group.groupId, group.groupEpoch,
                group.members.size(), assignor);
    }

    /**
     * Moves a member towards its target (see the class comment); {@code reported} is what the member says
     * it owns (null: not said). Classic members have no revocation timer: their join and sync timers bound them.
     */
    void reconcile(ConsumerGroup group, ConsumerMember member, Map<Uuid, Set<Integer>> reported) {
        if (member.state == ConsumerMember.State.UNREVOKED_PARTITIONS) {
            if (reported == null || intersects(reported, member.pendingRevocation)) {
                return; // still waiting for the member to give the partitions up
            }
            member.pendingRevocation = new HashMap<>();
            scheduler.cancel(revocationKey(group.groupId, member.memberId));
        }
        if (member.memberEpoch == group.assignmentEpoch && member.state == ConsumerMember.State.STABLE) {
            return;
        }
        Map<Uuid, Set<Integer>> target = group.targetAssignment.getOrDefault(member.memberId, Map.of());
        Map<Uuid, Set<Integer>> revoke = minus(member.assigned, target);
        if (!revoke.isEmpty()) {
            member.assigned = minus(member.assigned, revoke);
            member.pendingRevocation = revoke;
            member.state = ConsumerMember.State.UNREVOKED_PARTITIONS;
            if (!member.usesClassicProtocol()) {
                scheduleRevocation(group, member);
            }
            return;
        }
        Map<Uuid, Set<Integer>> ownedByOthers = ownedByOthers(group, member);
        Map<Uuid, Set<Integer>> assigned = copy(member.assigned);
        addAll(assigned, minus(target, ownedByOthers));
        member.assigned = assigned;
        if (member.memberEpoch != group.assignmentEpoch) {
            member.previousMemberEpoch = member.memberEpoch;
            member.memberEpoch = group.assignmentEpoch;
        }
        member.state = minus(target, assigned).isEmpty() ? ConsumerMember.State.STABLE : ConsumerMember.State.UNRELEASED_PARTITIONS;
    }

    Map<Uuid, Set<Integer>> ownedByOthers(ConsumerGroup group, ConsumerMember member) {
        Map<Uuid, Set<Integer>> owned = new HashMap<>();
        for (ConsumerMember other : group.members.values()) {
            if (other != member) {
                addAll(owned, other.assigned);
                addAll(owned, other.pendingRevocation);
            }
        }
        return owned;
    }

    /** Whether part of the member's target is still owned by another member (Kafka's waitingOnUnreleasedPartition). */
    boolean waitingOnUnreleasedPartition(ConsumerGroup group, ConsumerMember member) {
        Map<Uuid, Set<Integer>> unreleased = minus(group.targetAssignment.getOrDefault(member.memberId, Map.of()), member.assigned);
        return intersects(unreleased, ownedByOthers(group, member));
    }

    private void scheduleRevocation(ConsumerGroup group, ConsumerMember member) {
        scheduler.schedule(revocationKey(group.groupId, member.memberId), Math.max(member.rebalanceTimeoutMs, 1000), () -> {
            if (group.members.get(member.memberId) == member && member.state == ConsumerMember.State.UNREVOKED_PARTITIONS) {
                log.info("Member {} of consumer group {} did not revoke its partitions within its rebalance timeout and is removed",
                        member.memberId, group.groupId);
                fence(group, member);
            }
        });
    }

    /** The session timeout: the broker's for consumer-protocol members, the member's own for classic ones. */
    void scheduleSession(ConsumerGroup group, ConsumerMember member) {
        int timeoutMs = member.usesClassicProtocol() ? member.classic.sessionTimeoutMs() : config.consumerSessionTimeoutMs();
        scheduler.schedule(sessionKey(group.groupId, member.memberId), timeoutMs, () -> {
            if (group.members.get(member.memberId) == member) {
                log.info("Member {} of consumer group {} missed its session timeout and is removed", member.memberId, group.groupId);
                fence(group, member);
            }
        });
    }

    /** Partition counts of every existing topic some member subscribes to. */
    private Map<String, Integer> subscribedTopicPartitions(ConsumerGroup group) {
        Map<String, Integer> result = new TreeMap<>();
        for (ConsumerMember m : group.members.values()) {
            for (String t : resolve(m)) {
                int n = topics.partitions(t);
                if (n > 0) {
                    result.put(t, n);
                }
            }
        }
        return result;
    }

    private Set<String> resolve(ConsumerMember m) {
        Set<String> result = new TreeSet<>(m.subscribedTopicNames);
        if (m.subscribedTopicRegex != null) {
            Pattern p = Pattern.compile(m.subscribedTopicRegex);
            for (String t : topics.topicNames()) {
                if (!Topic.isInternal(t) && p.matcher(t).matches()) {
                    result.add(t);
                }
            }
        }
        result.removeIf(t -> topics.partitions(t) <= 0);
        return result;
    }

    Set<String> subscribedTopics(ConsumerGroup group) {
        Set<String> result = new HashSet<>();
        group.members.values().forEach(m -> result.addAll(resolve(m)));
        return result;
    }

    // ---------------------------------------------------------------- offsets and describe

    /**
     * A commit carries the member's epoch. Besides the current epoch, the previous one is accepted for
     * partitions the member still owns (KIP-1251): a commit sent just before the member's heartbeat
     * moved it to a new epoch is not a zombie.
     */
    Errors validateCommit(ConsumerGroup group, int epoch, String memberId, Set<org.apache.kafka.common.TopicPartition> partitions) {
        if (epoch < 0 && group.members.isEmpty()) {
            return Errors.NONE;
        }
        ConsumerMember member = group.members.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (epoch == member.memberEpoch) {
            return Errors.NONE;
        }
        if (member.usesClassicProtocol()) {
            return Errors.ILLEGAL_GENERATION; // a classic member's generation is its member epoch
        }
        if (epoch != member.previousMemberEpoch || epoch < 0) {
            return Errors.STALE_MEMBER_EPOCH;
        }
        for (org.apache.kafka.common.TopicPartition tp : partitions) {
            Uuid id = topics.topicId(tp.topic());
            boolean owned = member.assigned.getOrDefault(id, Set.of()).contains(tp.partition())
                    || member.pendingRevocation.getOrDefault(id, Set.of()).contains(tp.partition());
            if (!owned) {
                return Errors.STALE_MEMBER_EPOCH;
            }
        }
        return Errors.NONE;
    }

    Errors validateFetch(ConsumerGroup group, String memberId, int epoch) {
        if (epoch < 0 && memberId.isEmpty()) {
            return Errors.NONE;
        }
        ConsumerMember member = group.members.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (epoch == member.memberEpoch) {
            return Errors.NONE;
        }
        return member.usesClassicProtocol() ? Errors.ILLEGAL_GENERATION : Errors.STALE_MEMBER_EPOCH;
    }

    String stateOf(ConsumerGroup group) {
        if (group.members.isEmpty()) {
            return "Empty";
        }
        if (group.groupEpoch > group.assignmentEpoch) {
            return "Assigning";
        }
        for (ConsumerMember m : group.members.values()) {
            if (m.memberEpoch != group.assignmentEpoch || m.state != ConsumerMember.State.STABLE) {
                return "Reconciling";
            }
        }
        return "Stable";
    }

    ConsumerGroupDescribeResponseData.DescribedGroup describe(String groupId, boolean isClassic) {
        ConsumerGroupDescribeResponseData.DescribedGroup d = new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(groupId);
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            return d.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                    .setErrorMessage(isClassic ? "Group " + groupId + " is not a consumer group." : "Group " + groupId + " not found.");
        }
        d.setErrorCode(Errors.NONE.code()).setGroupState(stateOf(group)).setGroupEpoch(group.groupEpoch)
                .setAssignmentEpoch(group.assignmentEpoch).setAssignorName(group.assignorName);
        for (ConsumerMember m : group.members.values()) {
            d.members().add(new ConsumerGroupDescribeResponseData.Member().setMemberId(m.memberId).setInstanceId(m.instanceId)
                    .setRackId(m.rackId).setMemberEpoch(m.memberEpoch).setClientId(Objects.toString(m.clientId, ""))
                    .setClientHost(Objects.toString(m.clientHost, "")).setSubscribedTopicNames(m.subscribedTopicNames)
                    .setSubscribedTopicRegex(m.subscribedTopicRegex).setAssignment(describeAssignment(m.assigned))
                    .setTargetAssignment(describeAssignment(group.targetAssignment.getOrDefault(m.memberId, Map.of())))
                    .setMemberType(m.usesClassicProtocol() ? (byte) 0 : (byte) 1));
        }
        return d;
    }

    private ConsumerGroupDescribeResponseData.Assignment describeAssignment(Map<Uuid, Set<Integer>> assignment) {
        ConsumerGroupDescribeResponseData.Assignment a = new ConsumerGroupDescribeResponseData.Assignment();
        assignment.forEach((id, ps) -> a.topicPartitions().add(new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicId(id)
                .setTopicName(Objects.toString(topics.topicName(id), "")).setPartitions(new ArrayList<>(ps))));
        return a;
    }

    // ---------------------------------------------------------------- helpers

    private static ConsumerGroupHeartbeatResponseData error(Errors error, String message) {
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(error.code()).setErrorMessage(message);
    }

    private static boolean validRegex(String regex) {
        try {
            Pattern.compile(regex);
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    private static boolean ownsOnlyAssigned(ConsumerMember member, ConsumerGroupHeartbeatRequestData req) {
        return req.topicPartitions() != null && minus(toMap(req.topicPartitions()), member.assigned).isEmpty();
    }

    private static ConsumerGroupHeartbeatResponseData.Assignment assignmentOf(Map<Uuid, Set<Integer>> assigned) {
        ConsumerGroupHeartbeatResponseData.Assignment a = new ConsumerGroupHeartbeatResponseData.Assignment();
        assigned.forEach((id, ps) -> a.topicPartitions().add(new ConsumerGroupHeartbeatResponseData.TopicPartitions()
                .setTopicId(id).setPartitions(new ArrayList<>(ps))));
        return a;
    }

    private static Map<Uuid, Set<Integer>> toMap(List<ConsumerGroupHeartbeatRequestData.TopicPartitions> tps) {
        Map<Uuid, Set<Integer>> result = new HashMap<>();
        tps.forEach(tp -> result.computeIfAbsent(tp.topicId(), id -> new TreeSet<>()).addAll(tp.partitions()));
        return result;
    }

    static Map<Uuid, Set<Integer>> minus(Map<Uuid, Set<Integer>> a, Map<Uuid, Set<Integer>> b) {
        Map<Uuid, Set<Integer>> result = new HashMap<>();
        a.forEach((id, ps) -> {
            Set<Integer> rest = new TreeSet<>(ps);
            rest.removeAll(b.getOrDefault(id, Set.of()));
            if (!rest.isEmpty()) {
                result.put(id, rest);
            }
        });
        return result;
    }

    static boolean intersects(Map<Uuid, Set<Integer>> a, Map<Uuid, Set<Integer>> b) {
        for (Map.Entry<Uuid, Set<Integer>> e : a.entrySet()) {
            for (Integer p : e.getValue()) {
                if (b.getOrDefault(e.getKey(), Set.of()).contains(p)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void addAll(Map<Uuid, Set<Integer>> into, Map<Uuid, Set<Integer>> from) {
        from.forEach((id, ps) -> into.computeIfAbsent(id, k -> new TreeSet<>()).addAll(ps));
    }

    static Map<Uuid, Set<Integer>> copy(Map<Uuid, Set<Integer>> m) {
        Map<Uuid, Set<Integer>> result = new HashMap<>();
        addAll(result, m);
        return result;
    }
}
