package io.kafkalite.logstore;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;

/** What the log store persists besides records: topics, producer id blocks, the cluster id. */
interface Backend extends AutoCloseable {
    List<StoredTopic> loadTopics();

    /** Stores a new or changed topic, with the partitions that have a log here, durably before returning. */
    void saveTopic(Topic topic, BitSet local);

    void deleteTopic(Topic topic);

    PartitionStorage openPartition(Topic topic, int partition) throws IOException;

    /** Reserves {@code count} producer ids durably; returns the first. */
    long reserveProducerIds(int count);

    String clusterId();

    /** Waits until every queued index write is durable. */
    default void sync() { }

    /** Logs how full the store is (always, or only when it nears its limit). */
    default void reportCapacity(boolean always) { }

    /** A durable key/value table of that name (see {@link DurableMap}). */
    DurableMap durableMap(String name);

    /** Called once every stored topic is open, before anything is served. */
    default void opened() { }

    /** A partition of a deleted topic is gone (placement counts what each directory holds). */
    default void partitionDeleted(PartitionStorage storage) { }

    /** The log directories, in {@code log.dirs} order (none when nothing is kept on disk). */
    default List<LogDirHealth> logDirs() {
        return List.of();
    }

    @Override
    void close();
}
