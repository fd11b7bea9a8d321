package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.lmdbjava.Dbi;

/** A {@link DurableMap} as an LMDB database of its own. */
final class LmdbDurableMap implements DurableMap {
    private final LmdbStore store;
    private final Dbi<ByteBuffer> db;

    LmdbDurableMap(LmdbStore store, String name) {
        this.store = store;
        this.db = store.openDatabase(name);
    }

    @Override
    public CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes) {
        for (Map.Entry<byte[], byte[]> e : changes) { // refused here, so a bad key never costs the committer a retry
            if (e.getKey().length == 0 || e.getKey().length > MAX_KEY_BYTES) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("A key must have 1 to " + MAX_KEY_BYTES
                        + " bytes, not " + e.getKey().length));
            }
        }
        return store.commit((s, txn) -> {
            for (Map.Entry<byte[], byte[]> e : changes) {
                if (e.getValue() == null) {
                    s.delete(txn, db, e.getKey());
                } else {
                    s.put(txn, db, e.getKey(), e.getValue());
                }
            }
        });
    }

    @Override
    public void forEach(BiConsumer<byte[], byte[]> action) {
        store.forEach(db, (k, v) -> {
            byte[] key = new byte[k.remaining()];
            k.get(key);
            byte[] value = new byte[v.remaining()];
            v.get(value);
            action.accept(key, value);
        });
    }
}
