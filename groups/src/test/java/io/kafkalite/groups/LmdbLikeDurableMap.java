package io.kafkalite.groups;

import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The log store's in-memory {@link DurableMap} (it refuses what LMDB refuses: keys over 511 bytes),
 * counting writes for the tests. Reopening is handing the same instance to a new coordinator.
 */
final class LmdbLikeDurableMap implements DurableMap {
    private final DurableMap table = LogStore.inMemory(Map.of()).durableMap("test");
    int writes;

    @Override
    public CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes) {
        writes++;
        return table.write(changes);
    }

    @Override
    public void forEach(BiConsumer<byte[], byte[]> action) {
        table.forEach(action);
    }

    int size() {
        int[] n = {0};
        table.forEach((k, v) -> n[0]++);
        return n[0];
    }

    boolean anyKeyLongerThan(int bytes) {
        boolean[] found = {false};
        table.forEach((k, v) -> found[0] |= k.length > bytes);
        return found[0];
    }
}
