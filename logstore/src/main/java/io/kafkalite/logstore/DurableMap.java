package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * A small durable key/value table for broker state that is not a log (committed offsets, group
 * metadata). Writes are group-committed with the log index; the returned future completes once they
 * are committed, which is when a response depending on them may be sent.
 */
public interface DurableMap {
    /** The longest key a table takes (LMDB's limit); a longer one fails its write, and only its write. */
    int MAX_KEY_BYTES = 511;

    /** Applies puts (non-null value) and deletes (null value) in order, atomically. */
    CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes);

    /** Every entry in key order (for loading state at startup). */
    void forEach(BiConsumer<byte[], byte[]> action);

    /** The first byte of a {@link #fitKey hashed} key; natural keys must not start with it. */
    byte HASHED_KEY = (byte) 0xFF;

    /**
     * The natural key if it fits, else [0xFF][SHA-256 of it]: for tables keyed by names that may be longer than
     * LMDB allows (group ids, user names); their values must carry the full names.
     */
    static byte[] fitKey(byte[] natural) {
        if (natural.length <= MAX_KEY_BYTES) {
            return natural;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(natural);
            return ByteBuffer.allocate(1 + digest.length).put(HASHED_KEY).put(digest).array();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
