package io.kafkalite.logstore;

import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Keeps nothing: for tests that need a log store without files. */
final class MemoryBackend implements Backend {
    private final AtomicLong nextProducerId = new AtomicLong();
    private final String clusterId;

    MemoryBackend(String clusterId) {
        this.clusterId = clusterId;
    }

    @Override
    public List<StoredTopic> loadTopics() {
        return List.of();
    }

    @Override
    public void saveTopic(Topic topic, BitSet local) { }

    @Override
    public void deleteTopic(Topic topic) { }

    @Override
    public PartitionStorage openPartition(Topic topic, int partition) {
        return new MemoryStorage();
    }

    @Override
    public long reserveProducerIds(int count) {
        return nextProducerId.getAndAdd(count);
    }

    @Override
    public String clusterId() {
        return clusterId;
    }

    @Override
    public DurableMap durableMap(String name) {
        return new MemoryDurableMap();
    }

    @Override
    public void close() { }
}
