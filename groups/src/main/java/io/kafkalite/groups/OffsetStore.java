package io.kafkalite.groups;

import io.kafkalite.logstore.DurableMap;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Committed offsets per group, in memory and in a {@link DurableMap}, and the offsets transactions are
 * committing (TxnOffsetCommit), which become committed offsets when their transaction commits and vanish
 * when it aborts. Not thread-safe: used on the coordinator thread only.
 *
 * <pre>
 * key      [2 n][group id UTF-8][2 m][topic UTF-8][4 partition], or its hashed form when longer than
 *          {@link StoreKeys#MAX_KEY_BYTES} (see {@link StoreKeys})
 * value v0 [1 version=0][8 offset][4 leader epoch][8 commit timestamp][4 k][metadata UTF-8]      (read only)
 * value v1 [1 version=1][2 n][group id][2 m][topic][4 partition][8 offset][4 leader epoch][8 commit timestamp][4 k][metadata]
 * pending  key [1 0xFE][8 producer id][the key above, unhashed] (hashed as a whole when too long)
 *          value [1 version=2][8 producer id][then as v1 from the group id on]
 * </pre>
 * Version 1 names the partition in the value, so a hashed key loads; loading trusts the value's names.
 */
final class OffsetStore {
    private final DurableMap table;
    private static final byte PENDING = (byte) 0xFE;
    private final Map<String, Map<TopicPartition, CommittedOffset>> byGroup = new HashMap<>();
    /** Offsets of open transactions: producer id -> group -> partition -> offset. */
    private final Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pending = new HashMap<>();

    OffsetStore(DurableMap table) {
        this.table = table;
        table.forEach((k, v) -> {
            ByteBuffer value = ByteBuffer.wrap(v);
            byte version = value.get();
            long producerId = version == 2 ? value.getLong() : -1;
            ByteBuffer names = version == 0 ? ByteBuffer.wrap(k) : value;
            String group = StoreKeys.getString(names);
            String topic = StoreKeys.getString(names);
            TopicPartition tp = new TopicPartition(topic, names.getInt());
            long offset = value.getLong();
            int epoch = value.getInt();
            long timestamp = value.getLong();
            CommittedOffset o = new CommittedOffset(offset, epoch, string(value, value.getInt()), timestamp);
            if (version == 2) {
                pending.computeIfAbsent(producerId, p -> new HashMap<>()).computeIfAbsent(group, g -> new HashMap<>()).put(tp, o);
            } else {
                byGroup.computeIfAbsent(group, g -> new HashMap<>()).put(tp, o);
            }
        });
    }

    /** Stores offsets a transaction commits; they count only once it commits ({@link #completeTransaction}). */
    CompletableFuture<Void> commitPending(String group, long producerId, Map<TopicPartition, CommittedOffset> offsets) {
        List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>();
        Map<TopicPartition, CommittedOffset> current = pending.computeIfAbsent(producerId, p -> new HashMap<>())
                .computeIfAbsent(group, g -> new HashMap<>());
        offsets.forEach((tp, o) -> {
            current.put(tp, o);
            changes.add(new AbstractMap.SimpleEntry<>(pendingKey(producerId, group, tp), pendingValue(producerId, group, tp, o)));
        });
        return table.write(changes);
    }

    /**
     * The transaction of producerId ended: its offsets become committed offsets (commit) or are dropped (abort), in one
     * write. The committed offsets come before the pending ones' deletions, so a write applied only in part (a
     * replicated write cut into several records) leaves pending offsets that the next completion commits again.
     */
    CompletableFuture<Void> completeTransaction(long producerId, boolean commit) {
        Map<String, Map<TopicPartition, CommittedOffset>> groups = pending.remove(producerId);
        if (groups == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>();
        List<Map.Entry<byte[], byte[]>> deletions = new ArrayList<>();
        groups.forEach((group, offsets) -> offsets.forEach((tp, o) -> {
            deletions.add(new AbstractMap.SimpleEntry<>(pendingKey(producerId, group, tp), null));
            if (commit) {
                byGroup.computeIfAbsent(group, g -> new HashMap<>()).put(tp, o);
                changes.add(new AbstractMap.SimpleEntry<>(key(group, tp), value(group, tp, o)));
            }
        }));
        changes.addAll(deletions);
        return table.write(changes);
    }

    /** Whether an open transaction is committing an offset of this partition for the group. */
    boolean hasPending(String group, TopicPartition tp) {
        for (Map<String, Map<TopicPartition, CommittedOffset>> groups : pending.values()) {
            Map<TopicPartition, CommittedOffset> offsets = groups.get(group);
            if (offsets != null && offsets.containsKey(tp)) {
                return true;
            }
        }
        return false;
    }

    /** Partitions of the group with offsets pending in open transactions. */
    java.util.Set<TopicPartition> pendingPartitions(String group) {
        java.util.Set<TopicPartition> result = new java.util.HashSet<>();
        pending.values().forEach(groups -> result.addAll(groups.getOrDefault(group, Map.of()).keySet()));
        return result;
    }

    private static byte[] pendingKey(long producerId, String group, TopicPartition tp) {
        byte[] natural = naturalKey(group, tp);
        return StoreKeys.fit(ByteBuffer.allocate(9 + natural.length).put(PENDING).putLong(producerId).put(natural).array());
    }

    private static byte[] pendingValue(long producerId, String group, TopicPartition tp, CommittedOffset o) {
        byte[] v1 = value(group, tp, o);
        return ByteBuffer.allocate(v1.length + 8).put((byte) 2).putLong(producerId).put(v1, 1, v1.length - 1).array();
    }

    /** Groups that have committed offsets. */
    Iterable<String> groups() {
        return new ArrayList<>(byGroup.keySet());
    }

    Map<TopicPartition, CommittedOffset> offsets(String group) {
        return byGroup.getOrDefault(group, Map.of());
    }

    /** Stores the offsets; the future completes when they are durable. */
    CompletableFuture<Void> commit(String group, Map<TopicPartition, CommittedOffset> offsets) {
        List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>();
        Map<TopicPartition, CommittedOffset> current = byGroup.computeIfAbsent(group, g -> new HashMap<>());
        offsets.forEach((tp, o) -> {
            current.put(tp, o);
            changes.add(new AbstractMap.SimpleEntry<>(key(group, tp), value(group, tp, o)));
        });
        return table.write(changes);
    }

    /** Deletes the given partitions' offsets (all of the group's when null). */
    CompletableFuture<Void> delete(String group, Iterable<TopicPartition> partitions) {
        Map<TopicPartition, CommittedOffset> current = byGroup.get(group);
        if (current == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>();
        for (TopicPartition tp : partitions == null ? new ArrayList<>(current.keySet()) : partitions) {
            if (current.remove(tp) != null) {
                changes.add(new AbstractMap.SimpleEntry<>(key(group, tp), null));
            }
        }
        if (current.isEmpty()) {
            byGroup.remove(group);
        }
        return changes.isEmpty() ? CompletableFuture.completedFuture(null) : table.write(changes);
    }

    /** Deletes every group's offsets of a deleted topic. */
    void deleteTopic(String topic) {
        for (String group : groups()) {
            List<TopicPartition> gone = new ArrayList<>();
            offsets(group).keySet().forEach(tp -> {
                if (tp.topic().equals(topic)) {
                    gone.add(tp);
                }
            });
            delete(group, gone);
        }
    }

    /** The group's newest commit time, or -1. */
    long lastCommitTimestamp(String group) {
        return offsets(group).values().stream().mapToLong(CommittedOffset::commitTimestamp).max().orElse(-1);
    }

    /** The partition's key, hashed when the natural key would be longer than LMDB takes. */
    static byte[] key(String group, TopicPartition tp) {
        return StoreKeys.fit(naturalKey(group, tp));
    }

    private static byte[] naturalKey(String group, TopicPartition tp) {
        byte[] g = StoreKeys.utf8(group);
        byte[] t = StoreKeys.utf8(tp.topic());
        ByteBuffer buf = ByteBuffer.allocate(8 + g.length + t.length);
        StoreKeys.putString(buf, g);
        StoreKeys.putString(buf, t);
        return buf.putInt(tp.partition()).array();
    }

    private static byte[] value(String group, TopicPartition tp, CommittedOffset o) {
        byte[] names = naturalKey(group, tp);
        byte[] metadata = o.metadata() == null ? new byte[0] : o.metadata().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + names.length + 24 + metadata.length).put((byte) 1).put(names).putLong(o.offset())
                .putInt(o.leaderEpoch()).putLong(o.commitTimestamp()).putInt(metadata.length).put(metadata).array();
    }

    private static String string(ByteBuffer buf, int length) {
        byte[] bytes = new byte[length];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
