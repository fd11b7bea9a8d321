package io.kafkalite.logstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's topics and partition logs. Topic changes are serialized (one admin change at a time,
 * persisted before they return); the data path ({@link #partition}, then append/read on the
 * {@link PartitionLog}) takes no store-wide lock.
 */
public final class LogStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogStore.class);
    private static final int PRODUCER_ID_BLOCK = 1000;
    /** Size of the LMDB map (address space reserved, not disk): index entries, producer state, offsets, groups. */
    public static final String LMDB_MAP_SIZE_CONFIG = "kafkalite.metadata.store.max.bytes";
    private static final long DEFAULT_LMDB_MAP_SIZE = 64L << 30;
    /**
     * The id a new data directory gets, as {@code kafka-storage format --cluster-id} gives it (the container
     * images' {@code CLUSTER_ID}); random when unset. A directory that has one keeps it, as in Kafka.
     */
    public static final String CLUSTER_ID_CONFIG = "cluster.id";

    /**
     * A topic with its effective config and the logs of its partitions, by index: null for a partition whose log is not
     * kept here (cluster mode: another broker's). {@code logs} are the non-null ones.
     */
    private record TopicState(Topic topic, LogConfig config, PartitionLog[] partitions, List<PartitionLog> logs) {
        TopicState(Topic topic, LogConfig config, PartitionLog[] partitions) {
            this(topic, config, partitions, Arrays.stream(partitions).filter(Objects::nonNull).toList());
        }

        BitSet local() {
            BitSet local = new BitSet(partitions.length);
            logs.forEach(p -> local.set(p.topicPartition().partition()));
            return local;
        }
    }

    private static final long HW_CHECKPOINT_SECONDS = 5;

    private final Backend backend;
    private volatile Map<String, String> brokerDefaults;
    private volatile long producerIdExpirationMs;
    private final Map<String, TopicState> byName = new ConcurrentHashMap<>();
    private final Map<Uuid, TopicState> byId = new ConcurrentHashMap<>();
    private final List<Consumer<TopicPartition>> appendListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService flusher;
    private final LogCleaner cleaner; // null in memory or with log.cleaner.enable=false
    private long nextProducerId;
    private long producerIdBlockEnd;

    private LogStore(Backend backend, Map<String, String> brokerProps) throws IOException {
        this.backend = backend;
        this.brokerDefaults = LogConfig.brokerDefaults(brokerProps);
        for (StoredTopic t : backend.loadTopics()) {
            register(t.topic(), t.local());
        }
        backend.opened();
        backend.sync(); // what recovery dropped from the index is gone before anything is served
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "log-flusher");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flushDue, 1, 1, TimeUnit.SECONDS);
        flusher.scheduleWithFixedDelay(this::checkpointHighWatermarks, HW_CHECKPOINT_SECONDS, HW_CHECKPOINT_SECONDS, TimeUnit.SECONDS);
        long retentionCheckMs = Long.parseLong(brokerProps.getOrDefault("log.retention.check.interval.ms", "300000").trim());
        flusher.scheduleWithFixedDelay(this::enforceRetention, retentionCheckMs, retentionCheckMs, TimeUnit.MILLISECONDS);
        flusher.execute(this::reserveProducerIds); // as Kafka prefetches its block: the first producer does not wait for an fsync
        producerIdExpirationMs = producerIdExpirationMs(brokerProps);
        long expirationCheckMs = Long.parseLong(brokerProps.getOrDefault("producer.id.expiration.check.interval.ms", "600000").trim());
        flusher.scheduleWithFixedDelay(() -> expireProducers(producerIdExpirationMs), expirationCheckMs, expirationCheckMs, TimeUnit.MILLISECONDS);
        LogCleaner.Settings cleaning = LogCleaner.Settings.from(brokerProps);
        cleaner = backend instanceof FileBackend && cleaning.enable() ? new LogCleaner(cleaning, this::allPartitions) : null;
        if (cleaner != null) {
            cleaner.start();
        }
    }

    /** Opens (or creates) the store in a log directory; recovers every partition found there. */
    public static LogStore open(Path logDir, Map<String, String> brokerProps) throws IOException {
        return open(List.of(logDir), brokerProps);
    }

    /**
     * Opens (or creates) the store in the directories of {@code log.dirs}: partitions are spread over them (see
     * {@link FileBackend}), the first also holds the metadata. Recovers every partition found in them.
     */
    public static LogStore open(List<Path> logDirs, Map<String, String> brokerProps) throws IOException {
        long mapSize = Long.parseLong(brokerProps.getOrDefault(LMDB_MAP_SIZE_CONFIG, String.valueOf(DEFAULT_LMDB_MAP_SIZE)).trim());
        FileBackend backend = new FileBackend(logDirs, mapSize, newClusterId(brokerProps));
        try {
            LogStore store = new LogStore(backend, brokerProps);
            backend.reportCapacity(true);
            return store;
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** A store that keeps everything in memory. */
    public static LogStore inMemory(Map<String, String> brokerProps) {
        try {
            return new LogStore(new MemoryBackend(newClusterId(brokerProps)), brokerProps);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String newClusterId(Map<String, String> brokerProps) {
        String configured = brokerProps.getOrDefault(CLUSTER_ID_CONFIG, "").trim();
        if (configured.isEmpty()) {
            return Uuid.randomUuid().toString();
        }
        try {
            Uuid.fromString(configured);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(CLUSTER_ID_CONFIG, configured, "not a base64 UUID, as kafka-storage random-uuid makes them");
        }
        return configured;
    }

    private void register(Topic t, BitSet local) throws IOException {
        LogConfig config = new LogConfig(brokerDefaults, t.configs());
        PartitionLog[] logs = new PartitionLog[t.partitions()];
        for (int p = local.nextSetBit(0); p >= 0 && p < logs.length; p = local.nextSetBit(p + 1)) {
            logs[p] = new PartitionLog(new TopicPartition(t.name(), p), backend.openPartition(t, p), config);
        }
        put(new TopicState(t, config, logs));
    }

    private void put(TopicState state) {
        byName.put(state.topic().name(), state);
        byId.put(state.topic().id(), state);
    }

    // ---------------------------------------------------------------- topics

    /**
     * Creates a topic. The caller validated the name; configs are validated here.
     * @throws TopicExistsException if the name is taken
     * @throws org.apache.kafka.common.config.ConfigException for an unknown or invalid config
     */
    public Topic createTopic(String name, int partitions, Map<String, String> configs) throws IOException {
        return createTopic(name, Uuid.randomUuid(), partitions, configs);
    }

    /**
     * Creates a topic with the id the cluster metadata gave it (a replica of a topic created elsewhere).
     * @throws TopicExistsException if the name is taken
     * @throws org.apache.kafka.common.config.ConfigException for an unknown or invalid config
     */
    public Topic createTopic(String name, Uuid id, int partitions, Map<String, String> configs) throws IOException {
        return create(name, id, partitions, configs, StoredTopic.all(partitions));
    }

    /**
     * Creates a topic of which only the partitions in {@code local} have a log here (cluster mode: those assigned to
     * this broker); the others exist ({@link #exists}) but have none ({@link #partition} is null).
     * @throws TopicExistsException if the name is taken
     * @throws org.apache.kafka.common.config.ConfigException for an unknown or invalid config
     */
    public Topic createTopic(String name, Uuid id, int partitions, Map<String, String> configs, Set<Integer> local) throws IOException {
        return create(name, id, partitions, configs, bits(local, 0, partitions));
    }

    private synchronized Topic create(String name, Uuid id, int partitions, Map<String, String> configs, BitSet here) throws IOException {
        if (byName.containsKey(name)) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        LogConfig.validate(configs);
        Topic topic = new Topic(name, id, partitions, configs);
        backend.saveTopic(topic, here);
        register(topic, here);
        log.info("Created topic {} with {} partitions ({} here), id {}, configs {}", name, partitions, here.cardinality(), topic.id(), configs);
        return topic;
    }

    private static BitSet bits(Set<Integer> partitions, int from, int to) {
        BitSet bits = new BitSet(to);
        partitions.stream().filter(p -> p >= from && p < to).forEach(bits::set);
        return bits;
    }

    /** Grows a topic to {@code total} partitions. */
    public Topic createPartitions(String name, int total) throws IOException {
        return grow(name, total, StoredTopic.all(total));
    }

    /** Grows a topic to {@code total} partitions, of which the new ones in {@code local} get a log here. */
    public Topic createPartitions(String name, int total, Set<Integer> local) throws IOException {
        return grow(name, total, bits(local, 0, total));
    }

    private synchronized Topic grow(String name, int total, BitSet local) throws IOException {
        TopicState state = existing(name);
        int current = state.topic().partitions();
        if (total <= current) {
            throw new InvalidPartitionsException("Topic currently has " + current + " partitions, which is higher than or"
                    + " equal to the requested " + total + ".");
        }
        Topic grown = state.topic().withPartitions(total);
        BitSet added = local.get(0, total);
        added.clear(0, current);
        BitSet here = state.local();
        here.or(added);
        backend.saveTopic(grown, here);
        PartitionLog[] logs = Arrays.copyOf(state.partitions(), total);
        for (int p = added.nextSetBit(0); p >= 0; p = added.nextSetBit(p + 1)) {
            logs[p] = new PartitionLog(new TopicPartition(name, p), backend.openPartition(grown, p), state.config());
        }
        put(new TopicState(grown, state.config(), logs));
        log.info("Topic {} now has {} partitions ({} new here)", name, total, added.cardinality());
        return grown;
    }

    /**
     * Opens a log here for a partition of an existing topic that had none (cluster mode: a reassignment added this
     * broker to its replicas; the log starts empty and catches up from the leader). Returns the log, also one already open.
     * @throws UnknownTopicOrPartitionException if the topic does not have the partition
     */
    public synchronized PartitionLog addLocalPartition(TopicPartition tp) throws IOException {
        TopicState state = existing(tp.topic());
        if (!exists(tp)) {
            throw new UnknownTopicOrPartitionException("Topic '" + tp.topic() + "' has no partition " + tp.partition());
        }
        PartitionLog present = state.partitions()[tp.partition()];
        if (present != null) {
            return present;
        }
        BitSet here = state.local();
        here.set(tp.partition());
        backend.saveTopic(state.topic(), here); // first: a crash before the log is open opens it at the next start
        PartitionLog[] logs = state.partitions().clone();
        logs[tp.partition()] = new PartitionLog(tp, backend.openPartition(state.topic(), tp.partition()), state.config());
        put(new TopicState(state.topic(), state.config(), logs));
        log.info("Created the log of {} here (topic id {})", tp, state.topic().id());
        return logs[tp.partition()];
    }

    /**
     * Deletes the log of one partition; the topic keeps the partition (cluster mode: a reassignment removed this broker
     * from its replicas, Kafka's StopReplica with delete). Nothing happens when it has no log here.
     */
    public synchronized void deleteLocalPartition(TopicPartition tp) throws IOException {
        TopicState state = byName.get(tp.topic());
        PartitionLog plog = partition(tp);
        if (plog == null) {
            return;
        }
        PartitionLog[] logs = state.partitions().clone();
        logs[tp.partition()] = null;
        TopicState next = new TopicState(state.topic(), state.config(), logs);
        put(next);
        backend.partitionDeleted(plog.storage());
        plog.delete(); // first: a crash before the topic row is saved opens an empty log again, which is deleted again
        backend.saveTopic(state.topic(), next.local());
        changed(tp);
        log.info("Deleted the log of {} here (topic id {})", tp, state.topic().id());
    }

    /** Replaces a topic's config overrides. */
    public synchronized Topic alterConfigs(String name, Map<String, String> configs) {
        TopicState state = existing(name);
        LogConfig.validate(configs);
        Topic altered = state.topic().withConfigs(configs);
        LogConfig config = new LogConfig(brokerDefaults, configs);
        backend.saveTopic(altered, state.local());
        for (PartitionLog p : state.logs()) {
            p.updateConfig(config);
        }
        put(new TopicState(altered, config, state.partitions()));
        return altered;
    }

    public synchronized void deleteTopic(String name) throws IOException {
        TopicState state = existing(name);
        byName.remove(name);
        byId.remove(state.topic().id());
        backend.deleteTopic(state.topic());
        for (PartitionLog p : state.logs()) {
            backend.partitionDeleted(p.storage());
            p.delete();
            changed(p.topicPartition());
        }
        log.info("Deleted topic {} (id {})", name, state.topic().id());
    }

    private TopicState existing(String name) {
        TopicState state = byName.get(name);
        if (state == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        return state;
    }

    /** Whether the topic exists and has the partition, whether or not the partition's log is kept here. */
    public boolean exists(TopicPartition tp) {
        TopicState s = byName.get(tp.topic());
        return s != null && tp.partition() >= 0 && tp.partition() < s.partitions().length;
    }

    public Topic topic(String name) {
        TopicState s = byName.get(name);
        return s == null ? null : s.topic();
    }

    public Topic topic(Uuid id) {
        TopicState s = byId.get(id);
        return s == null ? null : s.topic();
    }

    public Collection<Topic> topics() {
        List<Topic> all = new ArrayList<>();
        byName.values().forEach(s -> all.add(s.topic()));
        return all;
    }

    /** The effective config of a topic, or null if it does not exist. */
    public LogConfig config(String topic) {
        TopicState s = byName.get(topic);
        return s == null ? null : s.config();
    }

    /** Topic-config defaults as set by broker properties (by synonym). */
    public Map<String, String> brokerDefaults() {
        return brokerDefaults;
    }

    /**
     * Applies changed broker properties at run time (dynamic broker configs): the topic-config defaults
     * ({@code log.retention.ms}, {@code message.max.bytes}, ...) of every topic without its own override, and
     * {@code producer.id.expiration.ms}. The caller validated them.
     */
    public synchronized void updateBrokerDefaults(Map<String, String> brokerProps) {
        Map<String, String> defaults = LogConfig.brokerDefaults(brokerProps);
        producerIdExpirationMs = producerIdExpirationMs(brokerProps);
        if (defaults.equals(brokerDefaults)) {
            return;
        }
        brokerDefaults = defaults;
        for (TopicState state : byName.values()) {
            LogConfig config = new LogConfig(defaults, state.topic().configs());
            for (PartitionLog p : state.logs()) {
                p.updateConfig(config);
            }
            put(new TopicState(state.topic(), config, state.partitions()));
        }
        log.info("Topic config defaults from broker configs are now {}", defaults);
    }

    private static long producerIdExpirationMs(Map<String, String> brokerProps) {
        return Long.parseLong(brokerProps.getOrDefault("producer.id.expiration.ms", "86400000").trim());
    }

    public String clusterId() {
        return backend.clusterId();
    }

    /** A durable key/value table kept beside the logs (committed offsets live in one). Open each name once. */
    public DurableMap durableMap(String name) {
        return backend.durableMap(name);
    }

    /**
     * Each log directory, in {@code log.dirs} order, with the partitions of it that {@code wanted} accepts
     * (DescribeLogDirs). Empty when nothing is kept on disk.
     */
    public List<LogDirDescription> describeLogDirs(Predicate<TopicPartition> wanted) {
        Map<LogDirHealth, List<PartitionLog>> byDir = new IdentityHashMap<>();
        for (TopicState s : byName.values()) {
            for (PartitionLog p : s.logs()) {
                if (wanted.test(p.topicPartition())) {
                    byDir.computeIfAbsent(p.storage().logDir(), d -> new ArrayList<>()).add(p);
                }
            }
        }
        List<LogDirDescription> result = new ArrayList<>();
        for (LogDirHealth dir : backend.logDirs()) {
            if (dir.isOffline()) {
                result.add(new LogDirDescription(dir.path(), true, -1, -1, List.of()));
                continue;
            }
            long total = -1;
            long usable = -1;
            try {
                FileStore volume = Files.getFileStore(dir.dir());
                total = volume.getTotalSpace() < 0 ? Long.MAX_VALUE : volume.getTotalSpace(); // JDK-8162520, as Kafka
                usable = volume.getUsableSpace() < 0 ? Long.MAX_VALUE : volume.getUsableSpace();
            } catch (IOException e) {
                log.warn("Could not read the size of the volume of {}: {}", dir.path(), e.toString());
            }
            result.add(new LogDirDescription(dir.path(), false, total, usable, byDir.getOrDefault(dir, List.of())));
        }
        return result;
    }

    // ---------------------------------------------------------------- data path

    /** The partition's log, or null when the topic or partition does not exist or has no log here (see {@link #exists}). */
    public PartitionLog partition(TopicPartition tp) {
        TopicState s = byName.get(tp.topic());
        if (s == null || tp.partition() < 0 || tp.partition() >= s.partitions().length) {
            return null;
        }
        return s.partitions()[tp.partition()];
    }

    /** Appends and then tells the listeners (fetches waiting for data). */
    public AppendResult append(PartitionLog partition, MemoryRecords records, long nowMs) {
        return append(partition, records, nowMs, null);
    }

    /** As above, for a transactional batch verified under {@code guard} (see {@link PartitionLog#transactionGuard}). */
    public AppendResult append(PartitionLog partition, MemoryRecords records, long nowMs, Object guard) {
        AppendResult result = partition.append(records, nowMs, guard);
        changed(partition.topicPartition());
        return result;
    }

    /**
     * Writes a transaction marker (see {@link PartitionLog#writeTxnMarker}); fetches waiting on the partition
     * hear of it when it is written and again when its outcome is visible.
     */
    public java.util.concurrent.CompletableFuture<Void> writeTxnMarker(PartitionLog partition, long producerId, short epoch,
                                                                       int coordinatorEpoch, boolean commit) {
        java.util.concurrent.CompletableFuture<Void> visible = partition.writeTxnMarker(producerId, epoch, coordinatorEpoch, commit,
                System.currentTimeMillis());
        changed(partition.topicPartition());
        return visible.thenRun(() -> changed(partition.topicPartition()));
    }

    /** DeleteRecords: see {@link PartitionLog#deleteRecordsBefore}; waiting fetches below the new start are answered at once. */
    public long deleteRecordsBefore(PartitionLog partition, long offset) throws IOException {
        long start = partition.deleteRecordsBefore(offset);
        changed(partition.topicPartition());
        return start;
    }

    /** A follower's append (see {@link PartitionLog#appendAsFollower}); tells the listeners. */
    public AppendResult appendAsFollower(PartitionLog partition, MemoryRecords records) {
        AppendResult result = partition.appendAsFollower(records);
        changed(partition.topicPartition());
        return result;
    }

    /**
     * Moves a replicated partition's high watermark (see {@link PartitionLog#updateHighWatermark}); when it
     * moved, the listeners hear of it, as consumers' fetches wait for the high watermark, not the log end.
     */
    public boolean updateHighWatermark(PartitionLog partition, long highWatermark) {
        boolean moved = partition.updateHighWatermark(highWatermark);
        if (moved) {
            changed(partition.topicPartition());
        }
        return moved;
    }

    /** A follower's truncation (see {@link PartitionLog#truncateTo}); tells the listeners. */
    public void truncateTo(PartitionLog partition, long offset) throws IOException {
        partition.truncateTo(offset);
        changed(partition.topicPartition());
    }

    /** See {@link PartitionLog#truncateFullyAndStartAt}; tells the listeners. */
    public void truncateFullyAndStartAt(PartitionLog partition, long offset) throws IOException {
        partition.truncateFullyAndStartAt(offset);
        changed(partition.topicPartition());
    }

    /**
     * Listeners hear of every append, log start move and deletion of a partition, and of every move of a
     * replicated partition's high watermark or truncation, on the thread that made it.
     */
    public void addAppendListener(Consumer<TopicPartition> listener) {
        appendListeners.add(listener);
    }

    private void changed(TopicPartition tp) {
        for (Consumer<TopicPartition> l : appendListeners) {
            l.accept(tp);
        }
    }

    /** A new producer id for InitProducerId; ids are reserved durably in blocks so none is reused after a restart. */
    public synchronized long newProducerId() {
        reserveProducerIds();
        return nextProducerId++;
    }

    private synchronized void reserveProducerIds() {
        if (nextProducerId == producerIdBlockEnd) {
            nextProducerId = backend.reserveProducerIds(PRODUCER_ID_BLOCK);
            producerIdBlockEnd = nextProducerId + PRODUCER_ID_BLOCK;
        }
    }

    /** Retention of every partition, on the background thread (log.retention.check.interval.ms). */
    void enforceRetention() {
        backend.reportCapacity(false);
        long now = System.currentTimeMillis();
        for (TopicState s : byName.values()) {
            for (PartitionLog p : s.logs()) {
                try {
                    long deleted = p.enforceRetention(now);
                    if (deleted > 0) {
                        changed(p.topicPartition());
                        log.info("Retention deleted {} records of {}; it now starts at offset {}", deleted, p.topicPartition(), p.logStartOffset());
                    }
                } catch (IOException | RuntimeException e) {
                    log.error("Retention of {} failed", p.topicPartition(), e);
                }
            }
        }
    }

    private Iterable<PartitionLog> allPartitions() {
        List<PartitionLog> all = new ArrayList<>();
        for (TopicState s : byName.values()) {
            all.addAll(s.logs());
        }
        return all;
    }

    /** Forgets idle idempotent producers of every partition (producer.id.expiration.ms). */
    void expireProducers(long expirationMs) {
        long now = System.currentTimeMillis();
        int expired = 0;
        for (TopicState s : byName.values()) {
            for (PartitionLog p : s.logs()) {
                expired += p.expireProducers(now, expirationMs);
            }
        }
        if (expired > 0) {
            log.info("Expired the state of {} idle producers (producer.id.expiration.ms={})", expired, expirationMs);
        }
    }

    private void flushDue() {
        long now = System.currentTimeMillis();
        for (TopicState s : byName.values()) {
            for (PartitionLog p : s.logs()) {
                try {
                    p.maybeFlush(now);
                } catch (RuntimeException e) {
                    log.error("Flush of {} failed", p.topicPartition(), e);
                }
            }
        }
    }

    /** Persists the high watermarks of replicated partitions (Kafka's replica.high.watermark.checkpoint.interval.ms is 5 s). */
    private void checkpointHighWatermarks() {
        for (TopicState s : byName.values()) {
            for (PartitionLog p : s.logs()) {
                try {
                    p.checkpointHighWatermark();
                } catch (RuntimeException e) {
                    log.error("Checkpointing the high watermark of {} failed", p.topicPartition(), e);
                }
            }
        }
    }

    /** Partitions a failed cleaning left alone (0 without a cleaner). */
    int uncleanablePartitionsCount() {
        return cleaner == null ? 0 : cleaner.uncleanablePartitionsCount();
    }

    @Override
    public void close() {
        // waited for without the store lock: a background task (reserving producer ids) may be waiting for it
        if (cleaner != null) {
            cleaner.close();
        }
        flusher.shutdown(); // no interrupt: one would close a segment's channel mid-fsync
        try {
            if (!flusher.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("Background flush and retention did not stop within 30 s; closing anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closePartitions();
    }

    private synchronized void closePartitions() {
        for (TopicState s : byName.values()) {
            for (PartitionLog p : s.logs()) {
                try {
                    p.close();
                } catch (IOException | RuntimeException e) {
                    log.error("Closing {} failed", p.topicPartition(), e);
                }
            }
        }
        backend.close();
    }
}
