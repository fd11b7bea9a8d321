package io.kafkalite.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Committed offsets in a durable map with LMDB's key limit, reloaded as after a restart. */
class OffsetStoreTest {
    private final LmdbLikeDurableMap table = new LmdbLikeDurableMap();

    @Test
    void aGroupIdLongerThanTheKeyLimitIsStoredUnderAHashedKeyAndLoads() {
        // given
        String longGroup = "g".repeat(1000);
        TopicPartition tp = new TopicPartition("t", 3);
        OffsetStore store = new OffsetStore(table);
        // when
        store.commit(longGroup, Map.of(tp, new CommittedOffset(42, 7, "meta", 1234))).join();
        store.commit("short", Map.of(tp, new CommittedOffset(5, -1, "", 99))).join();
        // then
        assertFalse(table.anyKeyLongerThan(StoreKeys.MAX_KEY_BYTES));
        OffsetStore reloaded = new OffsetStore(table);
        assertEquals(new CommittedOffset(42, 7, "meta", 1234), reloaded.offsets(longGroup).get(tp));
        assertEquals(new CommittedOffset(5, -1, "", 99), reloaded.offsets("short").get(tp));
        // and deleting finds the hashed key
        reloaded.delete(longGroup, null).join();
        assertTrue(new OffsetStore(table).offsets(longGroup).isEmpty());
        assertEquals(1, table.size());
    }

    @Test
    void keysJustBelowAndAboveTheLimitBothWork() {
        OffsetStore store = new OffsetStore(table);
        TopicPartition tp = new TopicPartition("topic", 0);
        // natural key = 2 + n + 2 + 5 + 4 bytes
        String fits = "a".repeat(StoreKeys.MAX_KEY_BYTES - 13);
        String overflows = "b".repeat(StoreKeys.MAX_KEY_BYTES - 12);
        assertEquals(StoreKeys.MAX_KEY_BYTES, OffsetStore.key(fits, tp).length, "the natural key is kept when it fits");
        assertEquals(33, OffsetStore.key(overflows, tp).length, "hashed one byte over the limit");
        store.commit(fits, Map.of(tp, new CommittedOffset(1, -1, "", 1))).join();
        store.commit(overflows, Map.of(tp, new CommittedOffset(2, -1, "", 1))).join();
        OffsetStore reloaded = new OffsetStore(table);
        assertEquals(1, reloaded.offsets(fits).get(tp).offset());
        assertEquals(2, reloaded.offsets(overflows).get(tp).offset());
    }

    @Test
    void entriesOfTheFirstLayoutStillLoad() {
        // given: a version-0 entry, names only in the key
        byte[] g = "old".getBytes(StandardCharsets.UTF_8);
        byte[] t = "t".getBytes(StandardCharsets.UTF_8);
        byte[] key = ByteBuffer.allocate(8 + g.length + t.length).putShort((short) g.length).put(g).putShort((short) t.length).put(t)
                .putInt(2).array();
        byte[] value = ByteBuffer.allocate(27).put((byte) 0).putLong(10).putInt(1).putLong(555).putInt(2).put("md".getBytes(StandardCharsets.UTF_8))
                .array();
        table.write(List.of(new AbstractMap.SimpleEntry<>(key, value))).join();
        // then
        assertEquals(new CommittedOffset(10, 1, "md", 555), new OffsetStore(table).offsets("old").get(new TopicPartition("t", 2)));
    }
}
