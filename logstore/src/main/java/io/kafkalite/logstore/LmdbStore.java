package io.kafkalite.logstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LMDB environment (layout in {@link StoreLayout}). Reads go straight to LMDB from any thread;
 * every write goes through one committer thread that applies queued operations in order and commits
 * them in batches (group commit), so appends never wait for LMDB.
 */
final class LmdbStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LmdbStore.class);
    private static final int MAX_OPS_PER_TXN = 20_000;

    /** A queued write, applied on the committer thread inside its write transaction. */
    interface Op {
        void apply(LmdbStore store, Txn<ByteBuffer> txn);
    }

    private final Env<ByteBuffer> env;
    final Dbi<ByteBuffer> offsets;
    final Dbi<ByteBuffer> times;
    final Dbi<ByteBuffer> producers;
    final Dbi<ByteBuffer> aborted;
    final Dbi<ByteBuffer> partitions;
    final Dbi<ByteBuffer> topics;
    final Dbi<ByteBuffer> meta;
    /** An operation and who waits for it (null: nobody, a failure then takes the log directory offline). */
    private record Write(Op op, CompletableFuture<Void> done) { }

    static final int MAX_KEY_BYTES = DurableMap.MAX_KEY_BYTES; // LMDB's compile-time limit (mdb_env_get_maxkeysize)
    private final BlockingQueue<Write> queue = new ArrayBlockingQueue<>(100_000);
    private final LogDirHealth health;
    private final Thread committer;
    private volatile boolean closed;
    // buffers owned by the committer thread (LMDB copies keys and values on put)
    private final ByteBuffer writeKey = ByteBuffer.allocateDirect(MAX_KEY_BYTES);
    private ByteBuffer writeValue = ByteBuffer.allocateDirect(4096);
    private static final ThreadLocal<ByteBuffer> READ_KEY = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_KEY_BYTES));

    LmdbStore(Path dir, long mapSize, LogDirHealth health) throws IOException {
        this.health = health;
        Files.createDirectories(dir);
        try {
            LmdbBinding.load();
        } catch (NoClassDefFoundError e) {
            if (LmdbBinding.preloadFailure() != null) {
                throw new IOException("LMDB's native binding failed to load", LmdbBinding.preloadFailure());
            }
            throw e;
        }
        env = Env.create(LmdbBufferProxy.INSTANCE).setMapSize(mapSize).setMaxDbs(32).setMaxReaders(512)
                .open(dir.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOMETASYNC);
        // one write transaction (one fsync) for all of them: on a new directory each would commit on its own
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            offsets = openDbi(txn, "offsets");
            times = openDbi(txn, "times");
            producers = openDbi(txn, "producers");
            aborted = openDbi(txn, "aborted");
            partitions = openDbi(txn, "partitions");
            topics = openDbi(txn, "topics");
            meta = openDbi(txn, "meta");
            txn.commit();
        }
        committer = new Thread(this::commitLoop, "lmdb-committer");
        committer.setDaemon(true);
        committer.start();
    }

    // ---------------------------------------------------------------- writes

    /**
     * Queues a write nobody waits for (index entries); blocks only when the committer is far behind
     * (back-pressure on request threads). If it fails, the log directory goes offline.
     */
    void enqueue(Op op) {
        put(new Write(op, null));
    }

    /**
     * Queues a write; the future completes once it is committed (in the OS, like an acknowledged produce),
     * or fails with exactly this write's error: a failing write never fails or delays another.
     */
    CompletableFuture<Void> commit(Op op) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            put(new Write(op, done));
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private void put(Write write) {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
        try {
            queue.put(write);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing an index write", e);
        }
    }

    private Dbi<ByteBuffer> openDbi(Txn<ByteBuffer> txn, String name) {
        return env.openDbi(txn, name.getBytes(StandardCharsets.UTF_8), null, false, DbiFlags.MDB_CREATE);
    }

    /** Opens (creating if needed) a database of its own, for a {@link DurableMap}. */
    synchronized Dbi<ByteBuffer> openDatabase(String name) {
        return env.openDbi(name, DbiFlags.MDB_CREATE);
    }

    /** Calls action for every entry of db, in key order; the buffers are only valid during the call. */
    void forEach(Dbi<ByteBuffer> db, BiConsumer<ByteBuffer, ByteBuffer> action) {
        try (Txn<ByteBuffer> txn = env.txnRead(); Cursor<ByteBuffer> c = db.openCursor(txn)) {
            boolean more = c.first();
            while (more) {
                action.accept(c.key(), c.val());
                more = c.next();
            }
        }
    }

    /** Waits until everything queued so far is committed, then forces it to disk. */
    void sync() {
        commit((store, txn) -> { }).join();
        env.sync(true);
    }

    private void commitLoop() {
        List<Write> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                if (closed && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            queue.drainTo(batch, MAX_OPS_PER_TXN);
            try {
                commitTogether(batch);
            } catch (RuntimeException | Error e) {
                // one of them failed: commit each alone, so only the write that fails is failed
                batch.forEach(this::commitAlone);
            }
            batch.clear();
        }
    }

    private void commitTogether(List<Write> batch) {
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            for (Write w : batch) {
                w.op().apply(this, txn);
            }
            txn.commit();
        }
        for (Write w : batch) {
            if (w.done() != null) {
                w.done().complete(null);
            }
        }
    }

    private void commitAlone(Write w) {
        try {
            commitTogether(List.of(w));
        } catch (RuntimeException | Error e) {
            if (w.done() != null) {
                log.warn("LMDB write failed: {}", e.toString());
                w.done().completeExceptionally(e);
            } else {
                health.fail("an index write to LMDB failed", e);
            }
        }
    }

    /** Put helper for ops: copies key and value into the committer's direct buffers. */
    void put(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] key, byte[] value) {
        checkKey(key);
        writeKey.clear();
        writeKey.put(key).flip();
        if (writeValue.capacity() < value.length) {
            writeValue = ByteBuffer.allocateDirect(Math.max(value.length, writeValue.capacity() * 2));
        }
        writeValue.clear();
        writeValue.put(value).flip();
        db.put(txn, writeKey, writeValue);
    }

    private static void checkKey(byte[] key) {
        if (key.length == 0 || key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("An LMDB key must have 1 to " + MAX_KEY_BYTES + " bytes, not " + key.length);
        }
    }

    void put(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] prefix, long suffix, byte[] value) {
        byte[] key = ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(suffix).array();
        put(txn, db, key, value);
    }

    void delete(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] key) {
        checkKey(key);
        writeKey.clear();
        writeKey.put(key).flip();
        db.delete(txn, writeKey);
    }

    /** Deletes every key of db that starts with prefix. */
    void deletePrefix(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] prefix) {
        writeKey.clear();
        writeKey.put(prefix).flip();
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            if (!c.get(writeKey, GetOp.MDB_SET_RANGE)) {
                return;
            }
            do {
                if (!StoreLayout.hasPrefix(c.key(), prefix)) {
                    return;
                }
                c.delete();
            } while (c.get(writeKey, GetOp.MDB_SET_RANGE));
        }
    }

    /** Deletes every row of one partition (index, producers, aborted transactions, state). */
    void deletePartitionRows(Txn<ByteBuffer> txn, byte[] prefix) {
        deletePrefix(txn, offsets, prefix);
        deletePrefix(txn, times, prefix);
        deletePrefix(txn, producers, prefix);
        deletePrefix(txn, aborted, prefix);
        delete(txn, partitions, prefix);
    }

    /** Deletes keys P[suffix] with suffix < to. */
    void deleteBelow(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] prefix, long to) {
        writeKey.clear();
        writeKey.put(prefix).flip();
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            while (c.get(writeKey, GetOp.MDB_SET_RANGE) && StoreLayout.hasPrefix(c.key(), prefix)
                    && c.key().getLong(c.key().position() + prefix.length) < to) {
                c.delete();
            }
        }
    }

    /** Deletes keys P[suffix] with from <= suffix < to. */
    void deleteRange(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] prefix, long from, long to) {
        StoreLayout.putKey(writeKey, prefix, from);
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            while (c.get(writeKey, GetOp.MDB_SET_RANGE) && StoreLayout.hasPrefix(c.key(), prefix)
                    && c.key().getLong(c.key().position() + prefix.length) < to) {
                c.delete();
            }
        }
    }

    /** Deletes keys P[suffix] with suffix >= from. */
    void deleteFrom(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] prefix, long from) {
        StoreLayout.putKey(writeKey, prefix, from);
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            while (c.get(writeKey, GetOp.MDB_SET_RANGE) && StoreLayout.hasPrefix(c.key(), prefix)) {
                c.delete();
            }
        }
    }

    /**
     * Deletes P[k] entries from the first on while their 8-byte value is below bound. For the times
     * table, whose values (batch offsets) grow with its keys (timestamps).
     */
    void deleteHeadWhileValueBelow(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] prefix, long bound) {
        writeKey.clear();
        writeKey.put(prefix).flip();
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            while (c.get(writeKey, GetOp.MDB_SET_RANGE) && StoreLayout.hasPrefix(c.key(), prefix)
                    && c.val().getLong(c.val().position()) < bound) {
                c.delete();
            }
        }
    }

    /** Deletes P[k] entries from the last backwards while their 8-byte value is at least bound (see above). */
    void deleteTailWhileValueAtLeast(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] prefix, long bound) {
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            while (lastWithPrefix(c, prefix) && c.val().getLong(c.val().position()) >= bound) {
                c.delete();
            }
        }
    }

    private boolean lastWithPrefix(Cursor<ByteBuffer> c, byte[] prefix) {
        StoreLayout.putKey(writeKey, prefix, -1L);
        boolean positioned = c.get(writeKey, GetOp.MDB_SET_RANGE);
        if (positioned && c.key().equals(writeKey)) {
            return true;
        }
        return (positioned ? c.prev() : c.last()) && StoreLayout.hasPrefix(c.key(), prefix);
    }

    // ---------------------------------------------------------------- reads

    /** The entry of db with the greatest key P[k] where k <= suffix, passed as (k, value); false if none. */
    boolean floor(Dbi<ByteBuffer> db, byte[] prefix, long suffix, BiConsumer<Long, ByteBuffer> found) {
        ByteBuffer key = READ_KEY.get();
        StoreLayout.putKey(key, prefix, suffix);
        try (Txn<ByteBuffer> txn = env.txnRead(); Cursor<ByteBuffer> c = db.openCursor(txn)) {
            boolean positioned = c.get(key, GetOp.MDB_SET_RANGE);
            if (positioned && StoreLayout.hasPrefix(c.key(), prefix)
                    && c.key().getLong(c.key().position() + prefix.length) == suffix) {
                found.accept(suffix, c.val());
                return true;
            }
            if (!(positioned ? c.prev() : c.last()) || !StoreLayout.hasPrefix(c.key(), prefix)) {
                return false;
            }
            found.accept(c.key().getLong(c.key().position() + prefix.length), c.val());
            return true;
        }
    }

    /** Calls action for every P[k] entry of db in key order. */
    void scan(Dbi<ByteBuffer> db, byte[] prefix, BiConsumer<Long, ByteBuffer> action) {
        ByteBuffer key = READ_KEY.get();
        key.clear();
        key.put(prefix).flip();
        try (Txn<ByteBuffer> txn = env.txnRead(); Cursor<ByteBuffer> c = db.openCursor(txn)) {
            boolean more = c.get(key, GetOp.MDB_SET_RANGE);
            while (more && StoreLayout.hasPrefix(c.key(), prefix)) {
                action.accept(c.key().getLong(c.key().position() + prefix.length), c.val());
                more = c.next();
            }
        }
    }

    /** Calls action for P[k] entries of db from k = from on, in key order, while it returns true. */
    void scanFrom(Dbi<ByteBuffer> db, byte[] prefix, long from, java.util.function.BiPredicate<Long, ByteBuffer> action) {
        ByteBuffer key = READ_KEY.get();
        StoreLayout.putKey(key, prefix, from);
        try (Txn<ByteBuffer> txn = env.txnRead(); Cursor<ByteBuffer> c = db.openCursor(txn)) {
            boolean more = c.get(key, GetOp.MDB_SET_RANGE);
            while (more && StoreLayout.hasPrefix(c.key(), prefix)
                    && action.test(c.key().getLong(c.key().position() + prefix.length), c.val())) {
                more = c.next();
            }
        }
    }

    ByteBuffer get(Dbi<ByteBuffer> db, byte[] keyBytes) {
        ByteBuffer key = READ_KEY.get();
        key.clear();
        key.put(keyBytes).flip();
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            ByteBuffer v = db.get(txn, key);
            if (v == null) {
                return null;
            }
            ByteBuffer copy = ByteBuffer.allocate(v.remaining());
            copy.put(v).flip();
            return copy;
        }
    }

    /** All topics, decoded. */
    List<StoredTopic> loadTopics() {
        List<StoredTopic> result = new ArrayList<>();
        try (Txn<ByteBuffer> txn = env.txnRead(); Cursor<ByteBuffer> c = topics.openCursor(txn)) {
            boolean more = c.first();
            while (more) {
                ByteBuffer k = c.key();
                byte[] name = new byte[k.remaining()];
                k.get(name);
                result.add(StoreLayout.decodeTopic(new String(name, StandardCharsets.UTF_8), c.val()));
                more = c.next();
            }
        }
        return result;
    }

    /** Bytes of the map in use (its high-water mark: LMDB reuses freed pages but never shrinks the file). */
    long usedBytes() {
        return (env.info().lastPageNumber + 1) * (long) env.stat().pageSize;
    }

    long mapSize() {
        return env.info().mapSize;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        sync();
        closed = true;
        committer.interrupt();
        try {
            committer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        env.close();
    }
}
