package io.kafkalite.groups;

import io.kafkalite.logstore.DurableMap;
import java.nio.ByteBuffer;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Group metadata records (Kafka's GroupMetadata / ConsumerGroup* records, one record per group here)
 * in a {@link DurableMap}. A put that changes nothing is not written; a null value is a tombstone.
 * Not thread-safe: used on the coordinator thread only.
 *
 * <pre>
 * key   [2 n][group id UTF-8], hashed when longer than {@link StoreKeys#MAX_KEY_BYTES} (see {@link StoreKeys})
 * value [1 type: 0 classic, 1 consumer][1 version=0][2 n][group id UTF-8][the group: {@link ClassicGroupRecords}, {@link ConsumerGroupRecords}]
 * </pre>
 */
final class GroupMetadataStore {
    static final byte CLASSIC = 0;
    static final byte CONSUMER = 1;

    /** A value written (or being written) and its write. */
    private record Written(byte[] value, CompletableFuture<Void> done) { }

    private final DurableMap table;
    /** The last value written per group id; an entry lives as long as the group's record. */
    private final Map<String, Written> written = new HashMap<>();
    /** Groups whose last write failed, so what is stored is unknown: their next put writes. Added to by the committer. */
    private final Set<String> failed = ConcurrentHashMap.newKeySet();

    GroupMetadataStore(DurableMap table) {
        this.table = table;
    }

    /** Receives a stored group: its type, id, and the value positioned after the header. */
    interface Loader {
        void load(byte type, String groupId, ByteBuffer body);
    }

    /** Calls loader with every stored group. */
    void load(Loader loader) {
        table.forEach((k, v) -> {
            ByteBuffer value = ByteBuffer.wrap(v);
            byte type = value.get();
            value.get(); // version
            String groupId = StoreKeys.getString(value);
            written.put(groupId, new Written(v, CompletableFuture.completedFuture(null)));
            loader.load(type, groupId, value);
        });
    }

    /**
     * Writes the group's record (null: its tombstone) unless it is what was last written, in which case
     * it answers with that write (a retry while it is in flight waits for it too). Completes when durable.
     * After a failed write the next put writes whatever it is given, so memory and disk meet again.
     */
    CompletableFuture<Void> put(String groupId, byte[] value) {
        boolean unknown = failed.remove(groupId);
        Written last = written.get(groupId);
        if (!unknown && value == null && last == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (!unknown && value != null && last != null && Arrays.equals(last.value(), value)) {
            return last.done();
        }
        CompletableFuture<Void> done = table.write(List.of(new AbstractMap.SimpleEntry<>(key(groupId), value)));
        if (value == null) {
            written.remove(groupId);
        } else {
            written.put(groupId, new Written(value, done));
        }
        done.whenComplete((ok, error) -> {
            if (error != null) {
                failed.add(groupId);
            }
        });
        return done;
    }

    /** The write of the group's last record (completed if there is none): what a caller answering after it waits for. */
    CompletableFuture<Void> lastWrite(String groupId) {
        Written last = written.get(groupId);
        return last == null ? CompletableFuture.completedFuture(null) : last.done();
    }

    static byte[] key(String groupId) {
        byte[] id = StoreKeys.utf8(groupId);
        ByteBuffer natural = ByteBuffer.allocate(2 + id.length);
        StoreKeys.putString(natural, id);
        return StoreKeys.fit(natural.array());
    }

    /** A record writer: the value's header, then the group's fields. */
    static RecordWriter newValue(byte type, String groupId) {
        RecordWriter w = new RecordWriter();
        w.int8(type).int8((byte) 0).string(groupId);
        return w;
    }
}
