package io.kafkalite.logstore;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One partition's aborted transactions in LMDB (db "aborted", layout in {@link StoreLayout}), keyed by
 * the ABORT marker's offset, so a read_committed fetch finds the ones it needs with one cursor seek and
 * never scans the log. Rows are trimmed with the segments (retention, DeleteRecords) and past a
 * recovered log end, like the offset index, and the cleaner deletes a row once the transaction's data is gone.
 */
final class AbortedTxnIndex {
    private final byte[] prefix;
    private final LmdbStore store;

    AbortedTxnIndex(byte[] prefix, LmdbStore store) {
        this.prefix = prefix;
        this.store = store;
    }

    /** Adds a row; the future completes once it is committed (readers see it from then on). */
    CompletableFuture<Void> add(AbortedTxn txn) {
        return store.commit(op(txn));
    }

    /** Adds a row nobody waits for (recovery, before anything is served). */
    void enqueue(AbortedTxn txn) {
        store.enqueue(op(txn));
    }

    private LmdbStore.Op op(AbortedTxn txn) {
        byte[] value = ByteBuffer.allocate(24).putLong(txn.producerId()).putLong(txn.firstOffset()).putLong(txn.lastStableOffset()).array();
        return (s, t) -> s.put(t, s.aborted, prefix, txn.lastOffset(), value);
    }

    /** The aborted transactions overlapping [fetchOffset, upperBound). */
    List<AbortedTxn> find(long fetchOffset, long upperBound) {
        AbortedTxn.Collector collector = new AbortedTxn.Collector(upperBound);
        store.scanFrom(store.aborted, prefix, fetchOffset, (lastOffset, v) -> {
            int p = v.position();
            return collector.offer(new AbortedTxn(v.getLong(p), v.getLong(p + 8), lastOffset, v.getLong(p + 16)));
        });
        return collector.found;
    }

    /** Deletes the rows of these transactions (the cleaner removed their data); completes once committed. */
    CompletableFuture<Void> remove(List<AbortedTxn> txns) {
        return store.commit((s, t) -> {
            for (AbortedTxn txn : txns) {
                s.delete(t, s.aborted, StoreLayout.key(prefix, txn.lastOffset()));
            }
        });
    }

    void clear() {
        store.enqueue((s, txn) -> s.deletePrefix(txn, s.aborted, prefix));
    }

    /** Drops rows whose marker is at or after end (gone with a lost tail). */
    void dropFrom(long end) {
        store.enqueue((s, txn) -> s.deleteFrom(txn, s.aborted, prefix, end));
    }

    /** Drops rows whose marker is below the first segment's base (deleted with its segment). */
    void dropBelow(long firstBase) {
        store.enqueue((s, txn) -> s.deleteBelow(txn, s.aborted, prefix, firstBase));
    }
}
