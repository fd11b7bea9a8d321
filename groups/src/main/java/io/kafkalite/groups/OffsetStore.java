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
 * key   [2 n][group id UTF-8][2 m][topic UTF-8][4 partition]
 * value [1 version=0][8 offset][4 leader epoch][8 commit timestamp][4 k][metadata UTF-8]
 * </pre>
 */
final class OffsetStore {
    private final DurableMap table;
    private final Map<String, Map<TopicPartition, CommittedOffset>> byGroup = new HashMap<>();

    OffsetStore(DurableMap table) {
        this.table = table;
        table.forEach((k, v) -> {
            ByteBuffer key = ByteBuffer.wrap(k);
            String group = string(key, key.getShort());
            String topic = string(key, key.getShort());
            TopicPartition tp = new TopicPartition(topic, key.getInt());
            ByteBuffer value = ByteBuffer.wrap(v);
            value.get(); // version
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
            byte[] metadata = o.metadata() == null ? new byte[0] : o.metadata().getBytes(StandardCharsets.UTF_8);
            byte[] value = ByteBuffer.allocate(25 + metadata.length).put((byte) 0).putLong(o.offset()).putInt(o.leaderEpoch())
                    .putLong(o.commitTimestamp()).putInt(metadata.length).put(metadata).array();
            changes.add(new AbstractMap.SimpleEntry<>(key(group, tp), value));
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

    private static byte[] key(String group, TopicPartition tp) {
        byte[] g = group.getBytes(StandardCharsets.UTF_8);
        byte[] t = tp.topic().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + g.length + t.length).putShort((short) g.length).put(g).putShort((short) t.length).put(t)
                .putInt(tp.partition()).array();
    }

    private static String string(ByteBuffer buf, int length) {
        byte[] bytes = new byte[length];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
