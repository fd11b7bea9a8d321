package io.kafkalite.handlers;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;

/**
 * One incremental fetch session (KIP-227): the partitions a client fetches, with what it last asked for
 * each (offset, max bytes, epochs) and what it was last told (high watermark, last stable offset, log
 * start), so an incremental request names only what changed and an incremental answer leaves out the
 * partitions with nothing new. A session names its partitions by topic id (Fetch v13+) or by topic name
 * (older versions), never both.
 * <p>Thread safety: the partitions and the epoch are guarded by this object's monitor. {@code lastUsedMs}
 * and {@code cachedSize} belong to {@link FetchSessionCache} and are guarded by its monitor. Never take
 * the cache's monitor while holding a session's (the cache takes them in that order).
 */
final class FetchSession {
    /** A session partition: by id in a session of topic ids ({@code topic} null), else by name ({@code topicId} zero). */
    record Key(Uuid topicId, String topic, int partition) { }

    /** What the client asked for a partition, and what it was last told about it. */
    static final class Cached {
        final Key key;
        FetchPartition request;
        long highWatermark = -1;
        long lastStableOffset = -1;
        long logStartOffset = -1;

        Cached(Key key, FetchPartition request) {
            this.key = key;
            this.request = request;
        }
    }

    final int id;
    final boolean privileged;
    final boolean usesTopicIds;
    final long creationMs;
    /** The epoch the next incremental request must carry; guarded by this. */
    int epoch;
    /** Guarded by the cache. */
    long lastUsedMs;
    /** The size the cache last recorded (its eviction key), -1 before that; guarded by the cache. */
    int cachedSize = -1;
    /** In fetch order: a partition that returned records moves to the end, so all get a turn at max_bytes. */
    private final LinkedHashMap<Key, Cached> partitions;

    FetchSession(int id, boolean privileged, boolean usesTopicIds, long now, int epoch, LinkedHashMap<Key, Cached> partitions) {
        this.id = id;
        this.privileged = privileged;
        this.usesTopicIds = usesTopicIds;
        this.creationMs = now;
        this.lastUsedMs = now;
        this.epoch = epoch;
        this.partitions = partitions;
    }

    static Key key(boolean byId, FetchTopic topic, int partition) {
        return byId ? new Key(topic.topicId(), null, partition) : new Key(Uuid.ZERO_UUID, topic.topic(), partition);
    }

    static Key key(boolean byId, FetchableTopicResponse topic, int partition) {
        return byId ? new Key(topic.topicId(), null, partition) : new Key(Uuid.ZERO_UUID, topic.topic(), partition);
    }

    /** The partitions of a full fetch, in request order, each told what the answer said. */
    static LinkedHashMap<Key, Cached> partitionsOf(boolean byId, FetchRequestData request, FetchResponseData answer) {
        LinkedHashMap<Key, Cached> partitions = new LinkedHashMap<>();
        for (FetchTopic ft : request.topics()) {
            for (FetchPartition fp : ft.partitions()) {
                Key key = key(byId, ft, fp.partition());
                partitions.put(key, new Cached(key, fp));
            }
        }
        for (FetchableTopicResponse tr : answer.responses()) {
            for (PartitionData pd : tr.partitions()) {
                Cached c = partitions.get(key(byId, tr, pd.partitionIndex()));
                if (c != null) {
                    mustRespond(c, pd);
                }
            }
        }
        return partitions;
    }

    synchronized int size() {
        return partitions.size();
    }

    /** Adds or updates the request's partitions and drops its forgotten ones (KIP-227's incremental request). */
    synchronized void update(FetchRequestData request) {
        for (FetchTopic ft : request.topics()) {
            for (FetchPartition fp : ft.partitions()) {
                Key key = key(usesTopicIds, ft, fp.partition());
                Cached c = partitions.get(key);
                if (c == null) {
                    partitions.put(key, new Cached(key, fp));
                } else {
                    c.request = fp;
                }
            }
        }
        for (FetchRequestData.ForgottenTopic forgotten : request.forgottenTopicsData()) {
            for (int p : forgotten.partitions()) {
                partitions.remove(usesTopicIds ? new Key(forgotten.topicId(), null, p) : new Key(Uuid.ZERO_UUID, forgotten.topic(), p));
            }
        }
    }

    /** Every partition of the session as the topics of a fetch request, consecutive partitions of a topic together. */
    synchronized List<FetchTopic> topics() {
        List<FetchTopic> topics = new ArrayList<>();
        FetchTopic current = null;
        for (Cached c : partitions.values()) {
            if (current == null || !current.topicId().equals(c.key.topicId()) || !current.topic().equals(topicOf(c.key))) {
                current = new FetchTopic().setTopicId(c.key.topicId()).setTopic(topicOf(c.key));
                topics.add(current);
            }
            current.partitions().add(c.request); // never modified: requests are only read
        }
        return topics;
    }

    private static String topicOf(Key key) {
        return key.topic() == null ? "" : key.topic();
    }

    /**
     * Keeps in {@code answer} only the partitions with something new (records, a changed high watermark,
     * last stable offset or log start, an error) and remembers what they were told; partitions that
     * returned records move to the end of the fetch order. Call only when the request's epoch is current.
     */
    synchronized void filter(FetchResponseData answer) {
        List<Cached> returnedRecords = new ArrayList<>();
        for (Iterator<FetchableTopicResponse> topics = answer.responses().iterator(); topics.hasNext(); ) {
            FetchableTopicResponse tr = topics.next();
            tr.partitions().removeIf(pd -> {
                Cached c = partitions.get(key(usesTopicIds, tr, pd.partitionIndex()));
                if (c == null) {
                    return false;
                }
                if (pd.records() != null && pd.records().sizeInBytes() > 0) {
                    returnedRecords.add(c);
                    mustRespond(c, pd);
                    return false;
                }
                return !mustRespond(c, pd);
            });
            if (tr.partitions().isEmpty()) {
                topics.remove();
            }
        }
        for (Cached c : returnedRecords) {
            partitions.remove(c.key);
            partitions.put(c.key, c);
        }
    }

    /** Records what the partition is told now; true when that differs from last time or is an error. */
    private static boolean mustRespond(Cached c, PartitionData pd) {
        boolean changed = c.highWatermark != pd.highWatermark() || c.lastStableOffset != pd.lastStableOffset()
                || c.logStartOffset != pd.logStartOffset();
        c.highWatermark = pd.errorCode() == Errors.NONE.code() ? pd.highWatermark() : -1; // an error is told again next time
        c.lastStableOffset = pd.lastStableOffset();
        c.logStartOffset = pd.logStartOffset();
        return changed || pd.errorCode() != Errors.NONE.code() || pd.preferredReadReplica() >= 0; // KIP-392: always told
    }

    @Override
    public String toString() {
        return "FetchSession(id=" + id + ", privileged=" + privileged + ", usesTopicIds=" + usesTopicIds + ")";
    }

    /** For tests: the session's partitions in fetch order. */
    synchronized List<Key> keys() {
        return new ArrayList<>(partitions.keySet());
    }
}
