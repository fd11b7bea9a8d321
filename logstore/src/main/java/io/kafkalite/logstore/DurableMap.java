package io.kafkalite.logstore;

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
}
