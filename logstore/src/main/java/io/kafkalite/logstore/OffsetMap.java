package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The cleaner's key -> latest offset map, as Kafka's SkimpyOffsetMap: an open-addressed table of slots
 * holding a key's 16-byte MD5 digest and its offset (24 bytes a slot), so memory does not depend on key
 * sizes. The table starts small and doubles on demand up to {@code maxBytes} (the thread's share of
 * {@code log.cleaner.dedupe.buffer.size}); once that is reached it takes keys up to the load factor
 * ({@code log.cleaner.io.buffer.load.factor}) and then reports full, and the pass cleans up to there.
 */
final class OffsetMap {
    private static final int SLOT = 24;
    private static final int MIN_SLOTS = 1 << 12;

    private final int maxSlots;
    private final double loadFactor;
    private final MessageDigest md5;
    private final byte[] digest = new byte[16];
    private ByteBuffer table;
    private int slots;
    private int size;
    private long latestOffset = -1;

    OffsetMap(long maxBytes, double loadFactor) {
        this.maxSlots = (int) Math.max(MIN_SLOTS, Math.min(Integer.MAX_VALUE / SLOT, maxBytes / SLOT));
        this.loadFactor = loadFactor;
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        allocate(Math.min(MIN_SLOTS, maxSlots));
    }

    private void allocate(int n) {
        table = ByteBuffer.allocate(n * SLOT);
        slots = n;
        size = 0;
    }

    void clear() {
        java.util.Arrays.fill(table.array(), (byte) 0);
        size = 0;
        latestOffset = -1;
    }

    int size() {
        return size;
    }

    /** Whether another new key can be taken without passing the memory bound. */
    boolean full() {
        return slots == maxSlots && size >= (long) (maxSlots * loadFactor);
    }

    /** Remembers offset as the key's latest; the caller checked {@link #full()} first. */
    void put(ByteBuffer key, long offset) {
        if (size >= slots * loadFactor && slots < maxSlots) {
            grow();
        }
        hash(key);
        int slot = find(table, slots, digest);
        if (table.getLong(slot * SLOT + 16) == 0) {
            size++;
            table.put(slot * SLOT, digest);
        }
        table.putLong(slot * SLOT + 16, offset + 1); // +1: an all-zero slot means empty
        latestOffset = Math.max(latestOffset, offset);
    }

    /** The latest offset of the key, or -1 when the map does not hold it. */
    long get(ByteBuffer key) {
        hash(key);
        int slot = find(table, slots, digest);
        return table.getLong(slot * SLOT + 16) - 1;
    }

    long latestOffset() {
        return latestOffset;
    }

    /** The offsets the map covers end here (gaps at a segment's end count as covered). */
    void updateLatestOffset(long offset) {
        latestOffset = Math.max(latestOffset, offset);
    }

    private void grow() {
        ByteBuffer old = table;
        int oldSlots = slots;
        allocate((int) Math.min(maxSlots, (long) slots * 2));
        byte[] d = new byte[16];
        for (int i = 0; i < oldSlots; i++) {
            long offset = old.getLong(i * SLOT + 16);
            if (offset != 0) {
                old.get(i * SLOT, d);
                int slot = find(table, slots, d);
                table.put(slot * SLOT, d).putLong(slot * SLOT + 16, offset);
                size++;
            }
        }
    }

    /** The slot holding this digest, or the empty slot where it goes (linear probing). */
    private static int find(ByteBuffer t, int n, byte[] d) {
        long h = ByteBuffer.wrap(d).getLong() & Long.MAX_VALUE;
        int slot = (int) (h % n);
        while (true) {
            int at = slot * SLOT;
            if (t.getLong(at + 16) == 0) {
                return slot;
            }
            if (matches(t, at, d)) {
                return slot;
            }
            slot = slot + 1 == n ? 0 : slot + 1;
        }
    }

    private static boolean matches(ByteBuffer t, int at, byte[] d) {
        for (int i = 0; i < 16; i++) {
            if (t.get(at + i) != d[i]) {
                return false;
            }
        }
        return true;
    }

    private void hash(ByteBuffer key) {
        md5.update(key.duplicate());
        try {
            md5.digest(digest, 0, 16);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }
}
