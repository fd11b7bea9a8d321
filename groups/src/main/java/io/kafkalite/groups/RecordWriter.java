package io.kafkalite.groups;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/**
 * Big-endian writer for the coordinator's stored records, and the matching readers. Strings are
 * [2 n][UTF-8] (n = -1 for null), byte arrays [4 n][bytes], assignments
 * [4 topics]([16 topic id][4 n]([4 partition])*)*.
 */
final class RecordWriter {
    private ByteBuffer buf = ByteBuffer.allocate(256);

    private ByteBuffer room(int bytes) {
        if (buf.remaining() < bytes) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + bytes));
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
        return buf;
    }

    RecordWriter int8(byte v) {
        room(1).put(v);
        return this;
    }

    RecordWriter int16(short v) {
        room(2).putShort(v);
        return this;
    }

    RecordWriter int64(long v) {
        room(8).putLong(v);
        return this;
    }

    RecordWriter int32(int v) {
        room(4).putInt(v);
        return this;
    }

    RecordWriter string(String s) {
        if (s == null) {
            room(2).putShort((short) -1);
            return this;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        room(2 + b.length).putShort((short) b.length).put(b);
        return this;
    }

    RecordWriter bytes(byte[] b) {
        byte[] v = b == null ? new byte[0] : b;
        room(4 + v.length).putInt(v.length).put(v);
        return this;
    }

    RecordWriter assignment(Map<Uuid, Set<Integer>> a) {
        int32(a.size());
        a.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            room(16).putLong(e.getKey().getMostSignificantBits()).putLong(e.getKey().getLeastSignificantBits());
            int32(e.getValue().size());
            e.getValue().stream().sorted().forEach(this::int32);
        });
        return this;
    }

    byte[] toArray() {
        return Arrays.copyOf(buf.array(), buf.position());
    }

    // ---------------------------------------------------------------- readers

    static String string(ByteBuffer b) {
        return StoreKeys.getString(b);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] v = new byte[b.getInt()];
        b.get(v);
        return v;
    }

    static Map<Uuid, Set<Integer>> assignment(ByteBuffer b) {
        Map<Uuid, Set<Integer>> result = new java.util.HashMap<>();
        int topics = b.getInt();
        for (int i = 0; i < topics; i++) {
            Uuid id = new Uuid(b.getLong(), b.getLong());
            Set<Integer> partitions = new java.util.TreeSet<>();
            int n = b.getInt();
            for (int j = 0; j < n; j++) {
                partitions.add(b.getInt());
            }
            result.put(id, partitions);
        }
        return result;
    }
}
