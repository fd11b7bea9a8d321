package io.kafkalite.groups;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online migration between the classic and the consumer protocol ({@code group.consumer.migration.policy}),
 * as Kafka 4 does it. Upgrade: the first consumer-protocol member joining a classic group with members
 * turns it into a consumer group at epoch = generation, its classic members keeping their subscriptions
 * and assignments. Downgrade: when the last consumer-protocol member leaves and only classic members
 * remain, the group becomes a classic group again at generation = group epoch, each member holding its
 * target assignment, and rebalances. Runs on the coordinator thread only.
 */
final class GroupConversions {
    private static final Logger log = LoggerFactory.getLogger(GroupConversions.class);

    private final GroupConfig config;
    private final TopicsView topics;
    private final ClassicGroupCoordinator classic;
    private final ConsumerGroupCoordinator consumer;

    GroupConversions(GroupConfig config, TopicsView topics, ClassicGroupCoordinator classic, ConsumerGroupCoordinator consumer) {
        this.config = config;
        this.topics = topics;
        this.classic = classic;
        this.consumer = consumer;
    }

    /** Kafka's validateOnlineUpgrade. */
    boolean canUpgrade(ClassicGroup group) {
        if (!config.migrationPolicy().upgrade) {
            log.info("Classic group {} is not upgraded to a consumer group: group.consumer.migration.policy={}", group.groupId,
                    config.migrationPolicy());
            return false;
        }
        return ConsumerProtocol.PROTOCOL_TYPE.equals(group.protocolType) && group.members.size() <= config.maxSize();
    }

    /**
     * Replaces a classic group with the equivalent consumer group. Members waiting in JoinGroup or SyncGroup
     * are told REBALANCE_IN_PROGRESS and rejoin the consumer group.
     * @throws RuntimeException if a member's embedded protocol is malformed (the group stays classic)
     */
    ConsumerGroup upgrade(ClassicGroup old) {
        ConsumerGroup group = new ConsumerGroup(old.groupId);
        group.groupEpoch = old.generationId;
        group.assignmentEpoch = old.generationId;
        for (ClassicMember m : old.members.values()) {
            byte[] metadata = old.protocolName != null && m.protocols.containsKey(old.protocolName)
                    ? m.protocols.get(old.protocolName) : m.protocols.values().iterator().next();
            ConsumerPartitionAssignor.Subscription subscription = ConsumerProtocolCodec.subscription(metadata);
            ConsumerMember member = new ConsumerMember(m.memberId);
            member.memberEpoch = old.generationId;
            member.previousMemberEpoch = old.generationId;
            member.instanceId = m.groupInstanceId;
            member.rackId = subscription.rackId().orElse(null);
            member.rebalanceTimeoutMs = m.rebalanceTimeoutMs;
            member.clientId = m.clientId;
            member.clientHost = m.clientHost;
            member.subscribedTopicNames = List.copyOf(subscription.topics());
            member.assigned = ConsumerProtocolCodec.assignment(m.assignment, topics);
            member.classic = new ClassicMemberMetadata(m.sessionTimeoutMs, m.protocols);
            group.targetAssignment.put(m.memberId, ConsumerGroupCoordinator.copy(member.assigned));
            group.members.put(m.memberId, member);
            if (m.groupInstanceId != null) {
                group.staticMembers.put(m.groupInstanceId, m.memberId);
            }
        }
        classic.detach(old);
        consumer.groups.put(group.groupId, group);
        group.members.values().forEach(m -> consumer.scheduleSession(group, m));
        log.info("Classic group {} (generation {}, {} members) upgraded to a consumer group", old.groupId, old.generationId,
                old.members.size());
        return group;
    }

    /**
     * Kafka's validateOnlineDowngradeWithFencedMember, then the downgrade: the group becomes a classic group
     * without the leaving member and rebalances. False if the group stays a consumer group.
     */
    boolean maybeDowngrade(ConsumerGroup group, ConsumerMember leaving) {
        if (leaving.usesClassicProtocol()) {
            return false;
        }
        List<ConsumerMember> remaining = new ArrayList<>(group.members.values());
        remaining.remove(leaving);
        if (!canDowngrade(group, remaining)) {
            return false;
        }
        log.info("Consumer group {} is downgraded to a classic group: its last consumer-protocol member {} left", group.groupId,
                leaving.memberId);
        return downgrade(group, remaining, true) != null;
    }

    /**
     * Kafka's validateOnlineDowngradeWithReplacedMemberId: a classic static member just replaced the last
     * consumer-protocol member (it holds that member's partitions). The group becomes a classic group,
     * Stable, without a rebalance.
     * @return the write of the classic group's record, or null if the group stays a consumer group
     */
    CompletableFuture<Void> maybeDowngradeAfterReplacement(ConsumerGroup group) {
        List<ConsumerMember> members = new ArrayList<>(group.members.values());
        if (!canDowngrade(group, members)) {
            return null;
        }
        log.info("Consumer group {} is downgraded to a classic group: a classic static member replaced its last consumer-protocol member",
                group.groupId);
        return downgrade(group, members, false);
    }

    private boolean canDowngrade(ConsumerGroup group, List<ConsumerMember> remaining) {
        if (remaining.isEmpty() || !remaining.stream().allMatch(ConsumerMember::usesClassicProtocol)) {
            return false;
        }
        if (!config.migrationPolicy().downgrade || remaining.size() > config.maxSize()) {
            log.info("Consumer group {} is not downgraded to a classic group: group.consumer.migration.policy={}, {} members",
                    group.groupId, config.migrationPolicy(), remaining.size());
            return false;
        }
        return true;
    }

    /** The classic group of these members, Stable at generation = group epoch, each holding its target assignment. */
    private CompletableFuture<Void> downgrade(ConsumerGroup group, List<ConsumerMember> remaining, boolean rebalance) {
        ClassicGroup downgraded = new ClassicGroup(group.groupId, 0);
        downgraded.generationId = group.groupEpoch;
        downgraded.protocolType = ConsumerProtocol.PROTOCOL_TYPE;
        for (ConsumerMember m : remaining) {
            ClassicMember member = new ClassicMember(m.memberId, m.instanceId, m.clientId, m.clientHost, m.classic.sessionTimeoutMs(),
                    m.rebalanceTimeoutMs, m.classic.protocols());
            downgraded.members.put(m.memberId, member);
            if (m.instanceId != null) {
                downgraded.staticMembers.put(m.instanceId, m.memberId);
            }
        }
        downgraded.leaderId = remaining.get(0).memberId;
        downgraded.protocolName = downgraded.selectProtocol();
        if (downgraded.protocolName == null) {
            return null; // the classic members share no protocol (they joined with one in common, so not expected)
        }
        for (ClassicMember m : downgraded.members.values()) {
            Map<Uuid, Set<Integer>> target = group.targetAssignment.getOrDefault(m.memberId, Map.of());
            m.assignment = ConsumerProtocolCodec.assignment(target, m.protocols.get(downgraded.protocolName), topics);
        }
        downgraded.state = ClassicGroupState.STABLE;
        group.members.keySet().forEach(id -> consumer.cancelTimers(group.groupId, id));
        consumer.groups.remove(group.groupId);
        log.info("Consumer group {} downgraded to a classic group (generation {}, {} members)", group.groupId, downgraded.generationId,
                remaining.size());
        return classic.adopt(downgraded, rebalance);
    }
}
