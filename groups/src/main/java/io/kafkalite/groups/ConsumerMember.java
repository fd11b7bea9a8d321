package io.kafkalite.groups;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/** A member of a KIP-848 consumer group. */
final class ConsumerMember {
    /** Where the member is in reconciling its assignment with the target. */
    enum State {
        /** Owns its whole target assignment at the current assignment epoch. */
        STABLE,
        /** Must revoke partitions first; keeps its epoch until it reports them gone. */
        UNREVOKED_PARTITIONS,
        /** At the new epoch, but part of its target is still owned by members that have not revoked it. */
        UNRELEASED_PARTITIONS
    }

    final String memberId;
    String instanceId;
    String rackId;
    String clientId;
    String clientHost;
    int memberEpoch;
    int previousMemberEpoch = -1;
    int rebalanceTimeoutMs;
    List<String> subscribedTopicNames = List.of();
    String subscribedTopicRegex;
    String serverAssignor;
    State state = State.STABLE;
    Map<Uuid, Set<Integer>> assigned = new HashMap<>();
    Map<Uuid, Set<Integer>> pendingRevocation = new HashMap<>();
    /** Set for a member that speaks the classic protocol (JoinGroup/SyncGroup) in a consumer group; null otherwise. */
    ClassicMemberMetadata classic;
    /** A classic member was told to rejoin and its join timer runs (scheduled once, as Kafka's scheduleIfAbsent). */
    boolean joinTimerPending;

    ConsumerMember(String memberId) {
        this.memberId = memberId;
    }

    boolean usesClassicProtocol() {
        return classic != null;
    }
}
