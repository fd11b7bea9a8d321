package io.kafkalite.groups;

import io.kafkalite.logstore.DurableMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * An in-memory {@link DurableMap} that refuses what LMDB refuses (keys over 511 bytes), failing the
 * whole write as an LMDB transaction would. Reopening is handing the same instance to a new coordinator.
 */
final class LmdbLikeDurableMap implements DurableMap {
    private final TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);
    int writes;

    @Override
    public CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes) {
        writes++;
        for (Map.Entry<byte[], byte[]> e : changes) {
            if (e.getKey().length == 0 || e.getKey().length > 511) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("MDB_BAD_VALSIZE: key of " + e.getKey().length + " bytes"));
            }
        }
        for (Map.Entry<byte[], byte[]> e : changes) {
            if (e.getValue() == null) {
                entries.remove(e.getKey());
            } else {
                entries.put(e.getKey(), e.getValue());
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void forEach(BiConsumer<byte[], byte[]> action) {
        entries.forEach(action);
    }

    int size() {
        return entries.size();
    }

    boolean anyKeyLongerThan(int bytes) {
        return entries.keySet().stream().anyMatch(k -> k.length > bytes);
    }
}
