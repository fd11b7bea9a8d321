package io.kafkalite.groups;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/**
 * A KIP-848 consumer group: the group epoch advances with every change of membership, subscriptions
 * or subscribed topics; the target assignment is computed for it (assignment epoch); members then
 * reconcile towards their target one heartbeat at a time.
 */
final class ConsumerGroup {
    final String groupId;
    int groupEpoch;
    int assignmentEpoch;
    String assignorName = ConsumerAssignor.UNIFORM;
    final Map<String, ConsumerMember> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    Map<String, Map<Uuid, Set<Integer>>> targetAssignment = new HashMap<>();
    /** Partition counts of the subscribed topics when the target was computed; a change triggers a new epoch. */
    Map<String, Integer> subscribedTopicPartitions = Map.of();

    ConsumerGroup(String groupId) {
        this.groupId = groupId;
    }
}
