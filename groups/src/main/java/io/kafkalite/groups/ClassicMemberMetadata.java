package io.kafkalite.groups;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a consumer group keeps of a member that uses the classic protocol (Kafka's ClassicMemberMetadata):
 * its session timeout and its JoinGroup protocols (name to ConsumerProtocolSubscription, in the member's
 * order of preference), needed to answer SyncGroup in the member's protocol version and to turn the
 * group back into a classic group.
 */
record ClassicMemberMetadata(int sessionTimeoutMs, Map<String, byte[]> protocols) {
    ClassicMemberMetadata {
        protocols = new LinkedHashMap<>(protocols);
    }

    /** The protocol a classic member of a consumer group is told it uses: its first. */
    String protocolName() {
        return protocols.keySet().iterator().next();
    }

    byte[] firstMetadata() {
        return protocols.values().iterator().next();
    }
}
