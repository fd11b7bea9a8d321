package io.kafkalite.cluster;

import io.kafkalite.logstore.DurableMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/** An in-memory durable map for tests (a stand-in for one node's LMDB table: it refuses the keys LMDB refuses). */
final class TestDurableMap implements DurableMap {
    final ConcurrentSkipListMap<byte[], byte[]> entries = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

    @Override
    public CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes) {
        for (Map.Entry<byte[], byte[]> e : changes) {
            if (e.getKey().length == 0 || e.getKey().length > MAX_KEY_BYTES) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("A key must have 1 to " + MAX_KEY_BYTES + " bytes"));
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

    /** One node's tables by name, created on first use. */
    static final class Tables implements Function<String, DurableMap> {
        final Map<String, TestDurableMap> maps = new ConcurrentHashMap<>();

        @Override
        public TestDurableMap apply(String name) {
            return maps.computeIfAbsent(name, n -> new TestDurableMap());
        }
    }
}
