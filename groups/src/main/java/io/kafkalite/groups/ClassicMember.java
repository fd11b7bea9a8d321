package io.kafkalite.groups;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/** A member of a classic group. */
final class ClassicMember {
    final String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    /** Protocol name to metadata, in the member's order of preference. */
    Map<String, byte[]> protocols;
    byte[] assignment = new byte[0];
    CompletableFuture<JoinGroupResponseData> awaitingJoin;
    CompletableFuture<SyncGroupResponseData> awaitingSync;

    ClassicMember(String memberId, String groupInstanceId, String clientId, String clientHost, int sessionTimeoutMs,
                  int rebalanceTimeoutMs, Map<String, byte[]> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.protocols = new LinkedHashMap<>(protocols);
    }

    boolean sameProtocols(Map<String, byte[]> other) {
        if (!protocols.keySet().equals(other.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : other.entrySet()) {
            if (!Arrays.equals(protocols.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** Kept alive while it waits in a JoinGroup or SyncGroup: those requests are its heartbeat. */
    boolean waiting() {
        return awaitingJoin != null || awaitingSync != null;
    }
}
