package io.kafkalite.groups;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stored record of a KIP-848 consumer group (Kafka keeps the same in its ConsumerGroupMetadata,
 * ConsumerGroupPartitionMetadata, ConsumerGroupMemberMetadata, ConsumerGroupTargetAssignment* and
 * ConsumerGroupCurrentMemberAssignment records): written whenever a heartbeat or a timeout changes it,
 * a tombstone once the group has no members.
 *
 * <pre>
 * (after the {@link GroupMetadataStore} header)
 * [4 group epoch][4 assignment epoch][s assignor][4 n]([s topic][4 partitions])*    subscribed topics when the target was computed
 * [4 members] member: [s member id][s instance id][s rack id][s client id][s client host][4 member epoch][4 previous epoch]
 *                     [4 rebalance timeout][4 k]([s topic])*[s regex][s server assignor][1 state][a assigned][a pending revocation]
 * [4 targets]([s member id][a target assignment])*
 * [4 classic members]([s member id][4 session timeout][4 protocols]([s name][b metadata])*)*   (absent in older records)
 * </pre>
 * s = string, a = assignment, b = bytes (see {@link RecordWriter}).
 */
final class ConsumerGroupRecords {
    private ConsumerGroupRecords() { }

    static byte[] newGroupRecord(ConsumerGroup group) {
        RecordWriter w = GroupMetadataStore.newValue(GroupMetadataStore.CONSUMER, group.groupId).int32(group.groupEpoch)
                .int32(group.assignmentEpoch).string(group.assignorName);
        Map<String, Integer> subscribed = new TreeMap<>(group.subscribedTopicPartitions);
        w.int32(subscribed.size());
        subscribed.forEach((topic, n) -> w.string(topic).int32(n));
        w.int32(group.members.size());
        for (ConsumerMember m : group.members.values()) {
            w.string(m.memberId).string(m.instanceId).string(m.rackId).string(m.clientId).string(m.clientHost).int32(m.memberEpoch)
                    .int32(m.previousMemberEpoch).int32(m.rebalanceTimeoutMs).int32(m.subscribedTopicNames.size());
            m.subscribedTopicNames.forEach(w::string);
            w.string(m.subscribedTopicRegex).string(m.serverAssignor).int8((byte) m.state.ordinal()).assignment(m.assigned)
                    .assignment(m.pendingRevocation);
        }
        Map<String, Map<org.apache.kafka.common.Uuid, java.util.Set<Integer>>> targets = new TreeMap<>(group.targetAssignment);
        w.int32(targets.size());
        targets.forEach((memberId, a) -> w.string(memberId).assignment(a));
        List<ConsumerMember> classic = group.members.values().stream().filter(ConsumerMember::usesClassicProtocol).toList();
        w.int32(classic.size());
        for (ConsumerMember m : classic) {
            w.string(m.memberId).int32(m.classic.sessionTimeoutMs()).int32(m.classic.protocols().size());
            m.classic.protocols().forEach((name, metadata) -> w.string(name).bytes(metadata));
        }
        return w.toArray();
    }

    static ConsumerGroup replay(String groupId, ByteBuffer b) {
        ConsumerGroup group = new ConsumerGroup(groupId);
        group.groupEpoch = b.getInt();
        group.assignmentEpoch = b.getInt();
        group.assignorName = RecordWriter.string(b);
        Map<String, Integer> subscribed = new TreeMap<>();
        int topics = b.getInt();
        for (int i = 0; i < topics; i++) {
            subscribed.put(RecordWriter.string(b), b.getInt());
        }
        group.subscribedTopicPartitions = subscribed;
        int members = b.getInt();
        for (int i = 0; i < members; i++) {
            ConsumerMember m = new ConsumerMember(RecordWriter.string(b));
            m.instanceId = RecordWriter.string(b);
            m.rackId = RecordWriter.string(b);
            m.clientId = RecordWriter.string(b);
            m.clientHost = RecordWriter.string(b);
            m.memberEpoch = b.getInt();
            m.previousMemberEpoch = b.getInt();
            m.rebalanceTimeoutMs = b.getInt();
            List<String> names = new ArrayList<>();
            int k = b.getInt();
            for (int j = 0; j < k; j++) {
                names.add(RecordWriter.string(b));
            }
            m.subscribedTopicNames = List.copyOf(names);
            m.subscribedTopicRegex = RecordWriter.string(b);
            m.serverAssignor = RecordWriter.string(b);
            m.state = ConsumerMember.State.values()[b.get()];
            m.assigned = RecordWriter.assignment(b);
            m.pendingRevocation = RecordWriter.assignment(b);
            group.members.put(m.memberId, m);
            if (m.instanceId != null) {
                group.staticMembers.put(m.instanceId, m.memberId);
            }
        }
        int targets = b.getInt();
        for (int i = 0; i < targets; i++) {
            group.targetAssignment.put(RecordWriter.string(b), RecordWriter.assignment(b));
        }
        int classic = b.hasRemaining() ? b.getInt() : 0;
        for (int i = 0; i < classic; i++) {
            String memberId = RecordWriter.string(b);
            int sessionTimeoutMs = b.getInt();
            Map<String, byte[]> protocols = new LinkedHashMap<>();
            int n = b.getInt();
            for (int j = 0; j < n; j++) {
                protocols.put(RecordWriter.string(b), RecordWriter.bytes(b));
            }
            group.members.get(memberId).classic = new ClassicMemberMetadata(sessionTimeoutMs, protocols);
        }
        return group;
    }
}
