package io.kafkalite.acl;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * The layout of the {@code scram_credentials} table: one entry per (user, mechanism), holding what a
 * SCRAM server needs (salt, stored key, server key, iterations) and never a password. Mechanisms are
 * Kafka's type numbers (1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512). Kafka allows user names longer than an
 * LMDB key, so a natural key that does not fit is stored under its SHA-256 instead; the value always
 * carries the user and mechanism, and loading trusts the value.
 *
 * <pre>
 * key    natural  [1 mechanism type][user UTF-8]             at most 511 bytes
 *        hashed   [1 0xFF][32 SHA-256 of the natural key]
 * value  [1 version = 0][1 mechanism type][4 n][user UTF-8][4 iterations]
 *        [4 n][salt][4 n][stored key][4 n][server key]
 * </pre>
 */
final class ScramCredentialDescriptor {
    static final int MAX_KEY_BYTES = io.kafkalite.logstore.DurableMap.MAX_KEY_BYTES;
    private static final byte HASHED = (byte) 0xFF;
    private static final byte VERSION = 0;

    /** One decoded entry. */
    record Entry(String user, ScramMechanism mechanism, ScramCredential credential) { }

    private ScramCredentialDescriptor() { }

    static byte[] key(String user, ScramMechanism mechanism) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        byte[] natural = ByteBuffer.allocate(1 + name.length).put(mechanism.type()).put(name).array();
        if (natural.length <= MAX_KEY_BYTES) {
            return natural;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(natural);
            return ByteBuffer.allocate(1 + digest.length).put(HASHED).put(digest).array();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    static byte[] value(String user, ScramMechanism mechanism, ScramCredential credential) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(2 + 4 + name.length + 4 + 12 + credential.salt().length
                + credential.storedKey().length + credential.serverKey().length);
        buf.put(VERSION).put(mechanism.type());
        putBytes(buf, name);
        buf.putInt(credential.iterations());
        putBytes(buf, credential.salt());
        putBytes(buf, credential.storedKey());
        putBytes(buf, credential.serverKey());
        return buf.array();
    }

    /** @throws IllegalArgumentException if the value is not one this class wrote */
    static Entry decode(byte[] value) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(value);
            byte version = buf.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown SCRAM credential version " + version);
            }
            ScramMechanism mechanism = mechanism(buf.get());
            String user = new String(getBytes(buf), StandardCharsets.UTF_8);
            int iterations = buf.getInt();
            byte[] salt = getBytes(buf);
            byte[] storedKey = getBytes(buf);
            byte[] serverKey = getBytes(buf);
            return new Entry(user, mechanism, new ScramCredential(salt, storedKey, serverKey, iterations));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("corrupt SCRAM credential entry: " + e, e);
        }
    }

    private static ScramMechanism mechanism(byte type) {
        for (ScramMechanism m : ScramMechanism.values()) {
            if (m.type() == type) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown SCRAM mechanism type " + type);
    }

    private static void putBytes(ByteBuffer buf, byte[] bytes) {
        buf.putInt(bytes.length).put(bytes);
    }

    private static byte[] getBytes(ByteBuffer buf) {
        byte[] bytes = new byte[buf.getInt()];
        buf.get(bytes);
        return bytes;
    }
}
