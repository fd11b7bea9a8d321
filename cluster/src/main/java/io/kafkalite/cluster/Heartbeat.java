package io.kafkalite.cluster;

import java.nio.ByteBuffer;

/**
 * A broker's heartbeat to the quorum leader: a Ratis read-only message (no log entry), answered by the leader's
 * state machine with the index its image has applied (the broker counts as caught up once its own image got there).
 */
record Heartbeat(int brokerId, long incarnation) {
    private static final byte TYPE = 'H';

    byte[] encode() {
        return ByteBuffer.allocate(13).put(TYPE).putInt(brokerId).putLong(incarnation).array();
    }

    static Heartbeat decode(byte[] bytes) {
        if (bytes.length != 13 || bytes[0] != TYPE) {
            throw new IllegalArgumentException("Not a heartbeat: " + bytes.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 1, 12);
        return new Heartbeat(b.getInt(), b.getLong());
    }

    static byte[] encodeReply(long leaderAppliedIndex) {
        return ByteBuffer.allocate(8).putLong(leaderAppliedIndex).array();
    }

    static long decodeReply(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong();
    }
}
