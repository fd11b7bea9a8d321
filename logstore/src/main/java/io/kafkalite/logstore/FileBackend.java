package io.kafkalite.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segment files under {@code log.dirs}, each directory with its own LMDB environment in {@code meta.lmdb/}
 * (the index of its partitions); the first directory's also holds the metadata (topics, cluster id,
 * producer-id blocks, durable maps). Every directory is locked first, so a second broker on any of them
 * exits before it reads or changes anything.
 *
 * <p>Placement, as Kafka's: a partition found in a directory at start-up stays there (found in two, start-up
 * stops); a new one goes to the online directory with the fewest partitions, the first on a tie.
 */
final class FileBackend implements Backend {
    private static final Logger log = LoggerFactory.getLogger(FileBackend.class);
    private static final byte[] CLUSTER_ID = StoreLayout.utf8("cluster.id");
    private static final byte[] PRODUCER_ID_BLOCK = StoreLayout.utf8("producer.id.block");
    private static final int DUPLICATE = -1;

    private final List<LogDir> dirs = new ArrayList<>();
    private final LmdbStore metadata;
    private final ScheduledExecutorService io;
    private final String clusterId;
    /** Partition directory name -> index in dirs (DUPLICATE: in several), from the start-up scan; emptied by {@link #opened}. */
    private Map<String, Integer> found;
    /** Per dir, the index prefixes of the partitions opened there at start-up (several dirs only), for the sweep in {@link #opened}. */
    private List<Set<ByteBuffer>> openedPrefixes;

    /** @param newClusterId the cluster id to record if the directories have none yet */
    FileBackend(List<Path> logDirs, long lmdbMapSize, String newClusterId) throws IOException {
        try {
            checkDistinct(logDirs);
            for (Path p : logDirs) {
                dirs.add(LogDir.open(p, lmdbMapSize, dirs.isEmpty() ? null : dirs.get(0).health()));
            }
            metadata = dirs.get(0).store();
            clusterId = checkClusterIds(newClusterId);
            found = scan();
        } catch (IOException | RuntimeException e) {
            dirs.forEach(LogDir::close);
            throw e;
        }
        openedPrefixes = dirs.size() > 1 ? dirs.stream().map(d -> (Set<ByteBuffer>) new HashSet<ByteBuffer>()).toList() : null;
        this.io = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "log-io");
            t.setDaemon(true);
            return t;
        });
    }

    private static void checkDistinct(List<Path> logDirs) {
        if (logDirs.isEmpty()) {
            throw new ConfigException("log.dirs", "", "names no directory");
        }
        Set<Path> seen = new HashSet<>();
        for (Path p : logDirs) {
            if (!seen.add(p.toAbsolutePath().normalize())) {
                throw new ConfigException("log.dirs", logDirs.toString(), "Duplicate log directory found: " + p);
            }
        }
    }

    /**
     * The cluster id of the first directory (recorded there and in every other one if new), as Kafka checks each
     * directory's meta.properties: a directory of another cluster, or one that held the metadata but is no longer
     * listed first, stops start-up rather than showing the broker without its topics.
     */
    private String checkClusterIds(String newClusterId) {
        ByteBuffer first = metadata.get(metadata.meta, CLUSTER_ID);
        String id = first == null ? newClusterId : StandardCharsets.UTF_8.decode(first).toString();
        for (LogDir d : dirs.subList(1, dirs.size())) {
            LmdbStore store = d.store();
            if (store.get(store.meta, PRODUCER_ID_BLOCK) != null || !store.loadTopics().isEmpty()) {
                throw new KafkaException(d.path() + " holds the broker's metadata (topics, groups): it must be the first of log.dirs");
            }
            ByteBuffer stored = store.get(store.meta, CLUSTER_ID);
            if (stored != null && !StandardCharsets.UTF_8.decode(stored).toString().equals(id)) {
                throw new KafkaException("Invalid cluster.id in " + d.path() + ": expected " + id + " (the first log directory's), but read "
                        + StandardCharsets.UTF_8.decode(stored.rewind()));
            }
        }
        for (LogDir d : dirs) { // only once all agree: a refused start records nothing
            LmdbStore store = d.store();
            if (store.get(store.meta, CLUSTER_ID) == null) {
                store.enqueue((s, txn) -> s.put(txn, s.meta, CLUSTER_ID, StoreLayout.utf8(id)));
                store.sync();
            }
        }
        return id;
    }

    /** The partition directories of every log directory, by name (one listing per directory keeps start-up fast). */
    private Map<String, Integer> scan() throws IOException {
        Map<String, Integer> result = new HashMap<>();
        if (dirs.size() == 1) {
            return result; // everything is in the one directory: nothing to look for
        }
        for (int i = 0; i < dirs.size(); i++) {
            try (Stream<Path> entries = Files.list(dirs.get(i).path())) {
                for (Path p : (Iterable<Path>) entries::iterator) {
                    String name = p.getFileName().toString();
                    if (!name.equals(LogDir.LMDB_DIR) && !name.endsWith(LogDir.TRASH_SUFFIX)) {
                        result.merge(name, i, (a, b) -> DUPLICATE);
                    }
                }
            }
        }
        return result;
    }

    @Override
    public List<StoredTopic> loadTopics() {
        return metadata.loadTopics();
    }

    @Override
    public void saveTopic(Topic topic, BitSet local) {
        dirs.get(0).health().check();
        byte[] row = StoreLayout.encodeTopic(topic, local);
        metadata.enqueue((s, txn) -> s.put(txn, s.topics, StoreLayout.utf8(topic.name()), row));
        metadata.sync();
    }

    @Override
    public void deleteTopic(Topic topic) {
        metadata.enqueue((s, txn) -> s.delete(txn, s.topics, StoreLayout.utf8(topic.name())));
        metadata.sync();
    }

    @Override
    public PartitionStorage openPartition(Topic topic, int partition) throws IOException {
        String name = StoreLayout.partitionDirName(topic.name(), partition);
        byte[] prefix = StoreLayout.prefix(topic.id(), partition);
        LogDir d = place(name, topic.id(), prefix);
        Path dir = d.path().resolve(name);
        try {
            LogDir.claim(dir, topic.id());
            return FileStorage.open(dir, prefix, d.store(), d.health(), io);
        } catch (IOException e) {
            throw d.health().failed("opening " + name, e);
        }
    }

    private synchronized LogDir place(String name, Uuid topicId, byte[] prefix) throws IOException {
        Integer at = found.remove(name);
        LogDir d = at == null ? leastLoaded() : at == DUPLICATE ? theOneHolding(name, topicId) : dirs.get(at);
        d.partitions++;
        if (openedPrefixes != null) {
            openedPrefixes.get(dirs.indexOf(d)).add(ByteBuffer.wrap(prefix));
        }
        return d;
    }

    private LogDir leastLoaded() {
        LogDir best = null;
        for (LogDir d : dirs) {
            if (!d.health().isOffline() && (best == null || d.partitions < best.partitions)) {
                best = d;
            }
        }
        if (best == null) {
            throw new KafkaStorageException("No log directory is online");
        }
        return best;
    }

    /** Of the directories holding name, the one of topicId; those of another topic id (left by a deleted topic) are trashed. */
    private LogDir theOneHolding(String name, Uuid topicId) throws IOException {
        List<LogDir> holding = new ArrayList<>();
        for (LogDir d : dirs) {
            Path dir = d.path().resolve(name);
            if (Files.isDirectory(dir) && LogDir.belongsTo(dir, topicId)) {
                holding.add(d);
            } else if (Files.isDirectory(dir)) {
                Path trash = LogDir.trashName(dir);
                log.warn("{} belongs to another topic id than {}: moving it to {}", dir, topicId, trash.getFileName());
                Files.move(dir, trash, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                LogDir.deleteTree(trash);
            }
        }
        if (holding.size() > 1) {
            throw new KafkaException("Duplicate log directories for " + name + " are found in " + holding.stream().map(d -> d.path()
                    .resolve(name).toString()).toList() + ". Keep the one that holds the partition's data and delete the others.");
        }
        return holding.isEmpty() ? leastLoaded() : holding.get(0);
    }

    /**
     * Every stored topic is open: forgets the scan and, with several directories, drops each directory's index
     * rows of partitions that are elsewhere now (moved by hand while the broker was down), so that a move back
     * never finds old rows.
     */
    @Override
    public synchronized void opened() {
        found = new HashMap<>();
        if (openedPrefixes == null) {
            return;
        }
        for (int i = 0; i < dirs.size(); i++) {
            Set<ByteBuffer> here = openedPrefixes.get(i);
            List<byte[]> stale = new ArrayList<>();
            LmdbStore store = dirs.get(i).store();
            store.forEach(store.partitions, (key, value) -> {
                if (!here.contains(key)) {
                    byte[] prefix = new byte[key.remaining()];
                    key.duplicate().get(prefix);
                    stale.add(prefix);
                }
            });
            if (!stale.isEmpty()) {
                log.info("Dropping the index rows of {} partitions that are no longer in {}", stale.size(), dirs.get(i).path());
            }
            for (byte[] prefix : stale) {
                store.enqueue((s, txn) -> s.deletePartitionRows(txn, prefix));
            }
        }
        openedPrefixes = null;
    }

    @Override
    public synchronized void partitionDeleted(PartitionStorage storage) {
        for (LogDir d : dirs) {
            if (d.health() == storage.logDir()) {
                d.partitions--;
            }
        }
    }

    @Override
    public List<LogDirHealth> logDirs() {
        return dirs.stream().map(LogDir::health).toList();
    }

    @Override
    public synchronized long reserveProducerIds(int count) {
        ByteBuffer stored = metadata.get(metadata.meta, PRODUCER_ID_BLOCK);
        long first = stored == null ? 0 : stored.getLong(0);
        byte[] next = ByteBuffer.allocate(8).putLong(first + count).array();
        metadata.enqueue((s, txn) -> s.put(txn, s.meta, PRODUCER_ID_BLOCK, next));
        metadata.sync();
        return first;
    }

    @Override
    public void sync() {
        for (LogDir d : dirs) {
            d.store().sync();
        }
    }

    /** Logs how full each LMDB map is; a warning from 80 %, well before writes would fail with MDB_MAP_FULL. */
    @Override
    public void reportCapacity(boolean always) {
        for (LogDir d : dirs) {
            long used = d.store().usedBytes();
            long size = d.store().mapSize();
            if (used * 5 >= size * 4) {
                log.warn("The index and metadata store {} uses {} of its {} bytes ({} %); raise {} before it fills",
                        d.path().resolve(LogDir.LMDB_DIR), used, size, used * 100 / size, LogStore.LMDB_MAP_SIZE_CONFIG);
            } else if (always) {
                log.info("The index and metadata store of {} uses {} of its {} bytes ({} = {})",
                        d.path(), used, size, LogStore.LMDB_MAP_SIZE_CONFIG, size);
            }
        }
    }

    @Override
    public String clusterId() {
        return clusterId;
    }

    @Override
    public DurableMap durableMap(String name) {
        return new LmdbDurableMap(metadata, name);
    }

    @Override
    public void close() {
        io.shutdown(); // pending delayed deletes are redone from the trash at the next start
        dirs.forEach(LogDir::close);
    }
}
