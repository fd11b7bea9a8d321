package io.kafkalite.groups;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored record of a classic group, as Kafka's GroupMetadataValue: written when a generation
 * completes (the leader's assignment makes the group Stable) and when a static member takes over its
 * slot; a tombstone when the group empties or is deleted. Replaying it gives the group back Stable.
 *
 * <pre>
 * (after the {@link GroupMetadataStore} header)
 * [4 generation][s protocol type][s protocol name][s leader id][4 members]
 * member: [s member id][s group instance id][s client id][s client host][4 session timeout][4 rebalance timeout]
 *         [4 protocols]([s name][b metadata])*[b assignment]
 * </pre>
 * s = string, b = bytes (see {@link RecordWriter}).
 */
final class ClassicGroupRecords {
    private ClassicGroupRecords() { }

    static byte[] newGroupRecord(ClassicGroup group) {
        RecordWriter w = GroupMetadataStore.newValue(GroupMetadataStore.CLASSIC, group.groupId).int32(group.generationId)
                .string(group.protocolType).string(group.protocolName).string(group.leaderId).int32(group.members.size());
        for (ClassicMember m : group.members.values()) {
            w.string(m.memberId).string(m.groupInstanceId).string(m.clientId).string(m.clientHost).int32(m.sessionTimeoutMs)
                    .int32(m.rebalanceTimeoutMs).int32(m.protocols.size());
            m.protocols.forEach((name, metadata) -> w.string(name).bytes(metadata));
            w.bytes(m.assignment);
        }
        return w.toArray();
    }

    /** The group of a record (buffer after the header), Stable at its generation. */
    static ClassicGroup replay(String groupId, ByteBuffer b, long now) {
        ClassicGroup group = new ClassicGroup(groupId, now);
        group.generationId = b.getInt();
        group.protocolType = RecordWriter.string(b);
        group.protocolName = RecordWriter.string(b);
        group.leaderId = RecordWriter.string(b);
        int members = b.getInt();
        for (int i = 0; i < members; i++) {
            String memberId = RecordWriter.string(b);
            String instanceId = RecordWriter.string(b);
            String clientId = RecordWriter.string(b);
            String clientHost = RecordWriter.string(b);
            int sessionTimeout = b.getInt();
            int rebalanceTimeout = b.getInt();
            Map<String, byte[]> protocols = new LinkedHashMap<>();
            int n = b.getInt();
            for (int j = 0; j < n; j++) {
                protocols.put(RecordWriter.string(b), RecordWriter.bytes(b));
            }
            ClassicMember m = new ClassicMember(memberId, instanceId, clientId, clientHost, sessionTimeout, rebalanceTimeout, protocols);
            m.assignment = RecordWriter.bytes(b);
            group.members.put(memberId, m);
            if (instanceId != null) {
                group.staticMembers.put(instanceId, memberId);
            }
        }
        group.state = group.members.isEmpty() ? ClassicGroupState.EMPTY : ClassicGroupState.STABLE;
        return group;
    }
}
