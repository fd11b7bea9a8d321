package io.kafkalite.logstore;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;

/** A {@link DurableMap} in memory (nothing survives), for tests; it refuses the keys LMDB refuses. */
final class MemoryDurableMap implements DurableMap {
    private final ConcurrentSkipListMap<byte[], byte[]> entries = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

    @Override
    public CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes) {
        for (Map.Entry<byte[], byte[]> e : changes) {
            if (e.getKey().length == 0 || e.getKey().length > MAX_KEY_BYTES) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("A key must have 1 to " + MAX_KEY_BYTES
                        + " bytes, not " + e.getKey().length));
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
}
