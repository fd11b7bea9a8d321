package io.kafkalite.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Segment files under {@code log.dirs} plus the LMDB environment in {@code meta.lmdb/} beside them. The
 * directory is locked first, so a second broker on it exits before it reads or changes anything.
 */
final class FileBackend implements Backend {
    private static final byte[] CLUSTER_ID = StoreLayout.utf8("cluster.id");
    private static final byte[] PRODUCER_ID_BLOCK = StoreLayout.utf8("producer.id.block");

    private final Path logDir;
    private final LogDir lock;
    private final LogDirHealth health;
    private final ScheduledExecutorService io;
    private final LmdbStore store;
    private final String clusterId;

    /** @param newClusterId the cluster id to record if the directory has none yet */
    FileBackend(Path logDir, long lmdbMapSize, String newClusterId) throws IOException {
        this.logDir = logDir;
        this.lock = LogDir.lock(logDir);
        try {
            LogDir.sweepTrash(logDir);
            this.health = new LogDirHealth(logDir);
            this.store = new LmdbStore(logDir.resolve("meta.lmdb"), lmdbMapSize, health);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        this.io = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "log-io");
            t.setDaemon(true);
            return t;
        });
        ByteBuffer stored = store.get(store.meta, CLUSTER_ID);
        if (stored == null) {
            store.enqueue((s, txn) -> s.put(txn, s.meta, CLUSTER_ID, StoreLayout.utf8(newClusterId)));
            store.sync();
            clusterId = newClusterId;
        } else {
            clusterId = StandardCharsets.UTF_8.decode(stored).toString();
        }
    }

    @Override
    public List<Topic> loadTopics() {
        return store.loadTopics();
    }

    @Override
    public void saveTopic(Topic topic) {
        health.check();
        store.enqueue((s, txn) -> s.put(txn, s.topics, StoreLayout.utf8(topic.name()), StoreLayout.encodeTopic(topic)));
        store.sync();
    }

    @Override
    public void deleteTopic(Topic topic) {
        store.enqueue((s, txn) -> s.delete(txn, s.topics, StoreLayout.utf8(topic.name())));
        store.sync();
    }

    @Override
    public PartitionStorage openPartition(Topic topic, int partition) throws IOException {
        Path dir = logDir.resolve(StoreLayout.partitionDirName(topic.name(), partition));
        LogDir.claim(dir, topic.id());
        return FileStorage.open(dir, StoreLayout.prefix(topic.id(), partition), store, health, io);
    }

    @Override
    public synchronized long reserveProducerIds(int count) {
        ByteBuffer stored = store.get(store.meta, PRODUCER_ID_BLOCK);
        long first = stored == null ? 0 : stored.getLong(0);
        byte[] next = ByteBuffer.allocate(8).putLong(first + count).array();
        store.enqueue((s, txn) -> s.put(txn, s.meta, PRODUCER_ID_BLOCK, next));
        store.sync();
        return first;
    }

    @Override
    public void sync() {
        store.sync();
    }

    /** Logs how full the LMDB map is; a warning from 80 %, well before writes would fail with MDB_MAP_FULL. */
    @Override
    public void reportCapacity(boolean always) {
        long used = store.usedBytes();
        long size = store.mapSize();
        if (used * 5 >= size * 4) {
            org.slf4j.LoggerFactory.getLogger(FileBackend.class).warn("The index and metadata store {} uses {} of its {} bytes ({} %); "
                    + "raise {} before it fills", logDir.resolve("meta.lmdb"), used, size, used * 100 / size, LogStore.LMDB_MAP_SIZE_CONFIG);
        } else if (always) {
            org.slf4j.LoggerFactory.getLogger(FileBackend.class).info("The index and metadata store uses {} of its {} bytes ({} = {})",
                    used, size, LogStore.LMDB_MAP_SIZE_CONFIG, size);
        }
    }

    @Override
    public String clusterId() {
        return clusterId;
    }

    @Override
    public DurableMap durableMap(String name) {
        return new LmdbDurableMap(store, name);
    }

    @Override
    public void close() {
        io.shutdown(); // pending delayed deletes are redone from the trash at the next start
        store.close();
        try {
            lock.close();
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(FileBackend.class).warn("Releasing the lock of {} failed", logDir, e);
        }
    }
}
