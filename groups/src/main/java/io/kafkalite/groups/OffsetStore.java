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
 * Committed offsets per group, in memory and in a {@link DurableMap}. Not thread-safe: used on the
 * coordinator thread only.
 *
 * <pre>
 * key      [2 n][group id UTF-8][2 m][topic UTF-8][4 partition], or its hashed form when longer than
 *          {@link StoreKeys#MAX_KEY_BYTES} (see {@link StoreKeys})
 * value v0 [1 version=0][8 offset][4 leader epoch][8 commit timestamp][4 k][metadata UTF-8]      (read only)
 * value v1 [1 version=1][2 n][group id][2 m][topic][4 partition][8 offset][4 leader epoch][8 commit timestamp][4 k][metadata]
 * </pre>
 * Version 1 names the partition in the value, so a hashed key loads; loading trusts the value's names.
 */
final class OffsetStore {
    private final DurableMap table;
    private final Map<String, Map<TopicPartition, CommittedOffset>> byGroup = new HashMap<>();

    OffsetStore(DurableMap table) {
        this.table = table;
        table.forEach((k, v) -> {
            ByteBuffer value = ByteBuffer.wrap(v);
            byte version = value.get();
            ByteBuffer names = version == 0 ? ByteBuffer.wrap(k) : value;
            String group = StoreKeys.getString(names);
            String topic = StoreKeys.getString(names);
            TopicPartition tp = new TopicPartition(topic, names.getInt());
            long offset = value.getLong();
            int epoch = value.getInt();
            long timestamp = value.getLong();
            byGroup.computeIfAbsent(group, g -> new HashMap<>()).put(tp, new CommittedOffset(offset, epoch, string(value, value.getInt()), timestamp));
        });
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
