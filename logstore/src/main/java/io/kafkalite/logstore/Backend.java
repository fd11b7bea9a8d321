package io.kafkalite.logstore;

import java.io.IOException;
import java.util.List;

/** What the log store persists besides records: topics, producer id blocks, the cluster id. */
interface Backend extends AutoCloseable {
    List<Topic> loadTopics();

    /** Stores a new or changed topic durably before returning. */
    void saveTopic(Topic topic);

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

    @Override
    void close();
}
