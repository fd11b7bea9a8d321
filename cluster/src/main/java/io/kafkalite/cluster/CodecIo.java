package io.kafkalite.cluster;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/** Field encodings shared by the record, result and image codecs: lengths as ints, -1 for null. */
final class CodecIo {
    /** No list in the metadata has more entries; a larger count is a corrupt record, not a reason to allocate. */
    private static final int MAX_COUNT = 64 * 1024 * 1024;

    private CodecIo() { }

    static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    static String readString(DataInputStream in) throws IOException {
        byte[] b = readBytes(in);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        byte[] b = new byte[checkCount(n)];
        in.readFully(b);
        return b;
    }

    static int readCount(DataInputStream in) throws IOException {
        return checkCount(in.readInt());
    }

    private static int checkCount(int n) throws IOException {
        if (n < 0 || n > MAX_COUNT) {
            throw new IOException("Corrupt length " + n);
        }
        return n;
    }

    static void writeUuid(DataOutputStream out, Uuid id) throws IOException {
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    static Uuid readUuid(DataInputStream in) throws IOException {
        return new Uuid(in.readLong(), in.readLong());
    }

    /** A list of ints; null (a cancelled reassignment's target) as -1. */
    static void writeInts(DataOutputStream out, List<Integer> ints) throws IOException {
        if (ints == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(ints.size());
        for (int i : ints) {
            out.writeInt(i);
        }
    }

    static List<Integer> readInts(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        List<Integer> ints = new ArrayList<>(checkCount(n));
        for (int i = 0; i < n; i++) {
            ints.add(in.readInt());
        }
        return List.copyOf(ints);
    }

    static void writeIntLists(DataOutputStream out, List<List<Integer>> lists) throws IOException {
        out.writeInt(lists.size());
        for (List<Integer> l : lists) {
            writeInts(out, l);
        }
    }

    static List<List<Integer>> readIntLists(DataInputStream in) throws IOException {
        int n = readCount(in);
        List<List<Integer>> lists = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            lists.add(readInts(in));
        }
        return lists;
    }

    static void writeStringMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    static Map<String, String> readStringMap(DataInputStream in) throws IOException {
        int n = readCount(in);
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            map.put(readString(in), readString(in));
        }
        return map;
    }

    static void writeEndpoints(DataOutputStream out, Map<String, BrokerRegistration.HostPort> endpoints) throws IOException {
        out.writeInt(endpoints.size());
        for (var e : endpoints.entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue().host());
            out.writeInt(e.getValue().port());
        }
    }

    static Map<String, BrokerRegistration.HostPort> readEndpoints(DataInputStream in) throws IOException {
        int n = readCount(in);
        Map<String, BrokerRegistration.HostPort> endpoints = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            endpoints.put(readString(in), new BrokerRegistration.HostPort(readString(in), in.readInt()));
        }
        return endpoints;
    }
}
