package io.kafkalite.cluster;

import io.kafkalite.cluster.MetadataQuorum.QuorumInfo;
import io.kafkalite.cluster.MetadataQuorum.ReplicaProgress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The read-only messages the quorum leader's state machine answers (no log entry): a broker's heartbeat (answered with
 * the index the leader's image has applied: the broker counts as caught up once its own image got there), and
 * DescribeQuorum from a node that does not lead (answered with the leader's view of every voter), and the listeners of
 * the group's configuration (asked by a broker-only node that joins).
 */
final class QuorumQuery {
    static final byte HEARTBEAT = 'H';
    static final byte DESCRIBE = 'D';
    static final byte LISTENERS = 'L';

    private QuorumQuery() { }

    record Heartbeat(int brokerId, long incarnation) { }

    static byte[] heartbeat(int brokerId, long incarnation) {
        return ByteBuffer.allocate(13).put(HEARTBEAT).putInt(brokerId).putLong(incarnation).array();
    }

    static Heartbeat decodeHeartbeat(ByteBuffer b) {
        return new Heartbeat(b.getInt(), b.getLong());
    }

    static byte[] describe() {
        return new byte[] {DESCRIBE};
    }

    static byte[] listeners() {
        return new byte[] {LISTENERS};
    }

    /** {@code id@host:port,...}: Ratis peers by id and address. */
    static String encodePeers(java.util.Collection<org.apache.ratis.protocol.RaftPeer> peers) {
        return String.join(",", peers.stream().map(p -> p.getId() + "@" + p.getAddress()).toList());
    }

    static List<org.apache.ratis.protocol.RaftPeer> decodePeers(String text, org.apache.ratis.proto.RaftProtos.RaftPeerRole role) {
        List<org.apache.ratis.protocol.RaftPeer> peers = new ArrayList<>();
        for (String peer : text.split(",")) {
            int at = peer.indexOf('@');
            if (at > 0) {
                peers.add(org.apache.ratis.protocol.RaftPeer.newBuilder().setId(peer.substring(0, at)).setAddress(peer.substring(at + 1))
                        .setStartupRole(role).build());
            }
        }
        return peers;
    }

    static byte[] encodeLong(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    static long decodeLong(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong();
    }

    static byte[] encodeInfo(QuorumInfo info) {
        ByteBuffer b = ByteBuffer.allocate(20 + 8 + (info.voters().size() + info.observers().size()) * 28);
        b.putInt(info.leaderId()).putLong(info.leaderEpoch()).putLong(info.highWatermark());
        for (List<ReplicaProgress> replicas : List.of(info.voters(), info.observers())) {
            b.putInt(replicas.size());
            for (ReplicaProgress v : replicas) {
                b.putInt(v.nodeId()).putLong(v.logEndOffset()).putLong(v.lastFetchMs()).putLong(v.lastCaughtUpMs());
            }
        }
        return b.array();
    }

    static QuorumInfo decodeInfo(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int leader = b.getInt();
        long epoch = b.getLong();
        long hw = b.getLong();
        List<ReplicaProgress> voters = decodeProgress(b);
        return new QuorumInfo(leader, epoch, hw, voters, decodeProgress(b));
    }

    private static List<ReplicaProgress> decodeProgress(ByteBuffer b) {
        int n = b.getInt();
        List<ReplicaProgress> replicas = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            replicas.add(new ReplicaProgress(b.getInt(), b.getLong(), b.getLong(), b.getLong()));
        }
        return replicas;
    }
}
