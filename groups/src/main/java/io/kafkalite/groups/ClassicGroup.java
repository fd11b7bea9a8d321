package io.kafkalite.groups;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** The state of one classic group (membership, generation, chosen protocol). Changed by {@link ClassicGroupCoordinator} only. */
final class ClassicGroup {
    final String groupId;
    ClassicGroupState state = ClassicGroupState.EMPTY;
    int generationId;
    String protocolType;
    String protocolName;
    String leaderId;
    final Map<String, ClassicMember> members = new LinkedHashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined with them yet. */
    final Set<String> pendingMembers = new LinkedHashSet<>();
    /** group.instance.id to member id, for static members. */
    final Map<String, String> staticMembers = new HashMap<>();
    /** When the group last became empty (for offset expiry). */
    long emptySince;
    /** True while the first rebalance of an empty group waits for more members (group.initial.rebalance.delay.ms). */
    boolean initialDelayPending;
    boolean newMemberDuringDelay;

    ClassicGroup(String groupId, long now) {
        this.groupId = groupId;
        this.emptySince = now;
    }

    boolean is(ClassicGroupState s) {
        return state == s;
    }

    /** Protocols every member supports (all of the group's when it has no members). */
    Set<String> candidateProtocols() {
        Set<String> candidates = null;
        for (ClassicMember m : members.values()) {
            if (candidates == null) {
                candidates = new LinkedHashSet<>(m.protocols.keySet());
            } else {
                candidates.retainAll(m.protocols.keySet());
            }
        }
        return candidates == null ? Set.of() : candidates;
    }

    /** Whether a member with this protocol type and these protocols may join. */
    boolean supports(String type, Set<String> protocols) {
        if (members.isEmpty()) {
            return type != null && !type.isEmpty() && !protocols.isEmpty();
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        for (String p : protocols) {
            if (candidateProtocols().contains(p)) {
                return true;
            }
        }
        return false;
    }

    /** The protocol supported by all members that most members prefer (each votes for its first candidate). */
    String selectProtocol() {
        Set<String> candidates = candidateProtocols();
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (ClassicMember m : members.values()) {
            for (String p : m.protocols.keySet()) {
                if (candidates.contains(p)) {
                    votes.merge(p, 1, Integer::sum);
                    break;
                }
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    boolean allMembersJoined() {
        return pendingMembers.isEmpty() && members.values().stream().allMatch(m -> m.awaitingJoin != null);
    }

    int rebalanceTimeoutMs() {
        return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
    }

    boolean fencedStaticMember(String groupInstanceId, String memberId) {
        if (groupInstanceId == null) {
            return false;
        }
        String current = staticMembers.get(groupInstanceId);
        return current != null && !current.equals(memberId);
    }
}
