package io.kafkalite.groups;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Keys of the coordinator's durable maps. LMDB takes keys of at most {@link #MAX_KEY_BYTES}; Kafka
 * allows far longer group ids, so a natural key that would not fit is stored under a fixed-size
 * hashed key instead, and the value always carries the full names (loading trusts the value):
 *
 * <pre>
 * natural  [2 n][group id UTF-8]...      n &lt;= 32767 (a protocol string), so the first byte is &lt;= 0x7F
 * hashed   [1 0xFF][32 SHA-256 of the natural key]
 * </pre>
 */
final class StoreKeys {
    /** LMDB's maximum key size (mdb_env_get_maxkeysize with the default page size). */
    static final int MAX_KEY_BYTES = io.kafkalite.logstore.DurableMap.MAX_KEY_BYTES;
    static final byte HASHED = io.kafkalite.logstore.DurableMap.HASHED_KEY;

    private StoreKeys() { }

    /** The natural key if it fits, else its hashed form. */
    static byte[] fit(byte[] natural) {
        return io.kafkalite.logstore.DurableMap.fitKey(natural);
    }

    static void putString(ByteBuffer buf, byte[] utf8) {
        buf.putShort((short) utf8.length).put(utf8);
    }

    static String getString(ByteBuffer buf) {
        int length = buf.getShort();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
