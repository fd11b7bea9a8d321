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
    final Dbi<ByteBuffer> partitions;
    final Dbi<ByteBuffer> topics;
    final Dbi<ByteBuffer> meta;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(100_000);
    private final Thread committer;
    private volatile boolean closed;
    // buffers owned by the committer thread (LMDB copies keys and values on put)
    private final ByteBuffer writeKey = ByteBuffer.allocateDirect(511);
    private ByteBuffer writeValue = ByteBuffer.allocateDirect(4096);
    private static final ThreadLocal<ByteBuffer> READ_KEY = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(511));

    LmdbStore(Path dir, long mapSize) throws IOException {
        Files.createDirectories(dir);
        env = Env.create().setMapSize(mapSize).setMaxDbs(32).setMaxReaders(512)
                .open(dir.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOMETASYNC);
        offsets = env.openDbi("offsets", DbiFlags.MDB_CREATE);
        times = env.openDbi("times", DbiFlags.MDB_CREATE);
        producers = env.openDbi("producers", DbiFlags.MDB_CREATE);
        partitions = env.openDbi("partitions", DbiFlags.MDB_CREATE);
        topics = env.openDbi("topics", DbiFlags.MDB_CREATE);
        meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
        committer = new Thread(this::commitLoop, "lmdb-committer");
        committer.setDaemon(true);
        committer.start();
    }

    // ---------------------------------------------------------------- writes

    /** Queues a write; blocks only when the committer is far behind (back-pressure). */
    void enqueue(Op op) {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
        try {
            queue.put(op);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing an index write", e);
        }
    }

    /** Queues a write; the future completes once it is committed (in the OS, like an acknowledged produce). */
    CompletableFuture<Void> commit(Op op) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(op);
        try {
            queue.put(done);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.completeExceptionally(e);
        }
        return done;
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
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            queue.put(done);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        done.join();
        env.sync(true);
    }

    private void commitLoop() {
        List<Object> batch = new ArrayList<>();
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
            List<CompletableFuture<Void>> waiters = new ArrayList<>();
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                for (Object o : batch) {
                    if (o instanceof Op op) {
                        op.apply(this, txn);
                    } else {
                        @SuppressWarnings("unchecked")
                        CompletableFuture<Void> f = (CompletableFuture<Void>) o;
                        waiters.add(f);
                    }
                }
                txn.commit();
                waiters.forEach(f -> f.complete(null));
            } catch (RuntimeException e) {
                log.error("LMDB commit of {} operations failed; segment files stay the truth and the index is "
                        + "rebuilt from them on restart", batch.size(), e);
                waiters.forEach(f -> f.completeExceptionally(e));
            }
            batch.clear();
        }
    }

    /** Put helper for ops: copies key and value into the committer's direct buffers. */
    void put(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] key, byte[] value) {
        writeKey.clear();
        writeKey.put(key).flip();
        if (writeValue.capacity() < value.length) {
            writeValue = ByteBuffer.allocateDirect(Math.max(value.length, writeValue.capacity() * 2));
        }
        writeValue.clear();
        writeValue.put(value).flip();
        db.put(txn, writeKey, writeValue);
    }

    void put(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] prefix, long suffix, byte[] value) {
        byte[] key = ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(suffix).array();
        put(txn, db, key, value);
    }

    void delete(Txn<ByteBuffer> txn, Dbi<ByteBuffer> db, byte[] key) {
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
    List<Topic> loadTopics() {
        List<Topic> result = new ArrayList<>();
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
