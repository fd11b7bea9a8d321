package io.kafkalite.handlers;

import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import io.kafkalite.wire.RequestHandlerPool;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.GenericFutureListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fetch parked until {@code min_bytes} could be there, as Kafka's DelayedFetch. Appends (on the
 * appending thread) only add to counters; a real read runs one at a time, when the counters say the
 * bytes could be there, when a partition changed under the fetch, or when the wait ends: on the
 * request-handler thread that appended, once its request is done (Kafka's action queue), else on the
 * handler's {@code ioPool}. The timer runs on the connection's event loop. Completes exactly once: with a
 * response, or with null when its connection closed (nothing is written then).
 */
final class DelayedFetch {
    private static final Logger log = LoggerFactory.getLogger(DelayedFetch.class);

    private final FetchHandler handler;
    private final KafkaRequest request;
    private final FetchContext context;
    private final FetchRequest body;
    private final int minBytes;
    private final List<Watch> watches = new ArrayList<>();
    private final CompletableFuture<AbstractResponse> future = new CompletableFuture<>();
    private final AtomicBoolean completed = new AtomicBoolean();
    private final AtomicBoolean reading = new AtomicBoolean();
    private final Predicate<String> denied;
    private final GenericFutureListener<ChannelFuture> onClose = f -> connectionClosed();
    private static final long POOL_FULL_RETRY_MS = 5;
    private volatile ScheduledFuture<?> timer;
    /** Bytes the fetch could return now (each partition at most its max bytes); guarded by this. */
    private long available;

    /** One partition of the fetch, registered with the waiters under its partition. */
    private final class Watch implements FetchWaiters.Waiter {
        final FetchHandler.PartitionRead at;
        /** The partition's {@link PartitionLog#appendedBytes()} last counted; guarded by DelayedFetch.this. */
        long counted;
        /** Bytes this partition could return, at most its max bytes; guarded by DelayedFetch.this. */
        long bytes;
        /** read_committed: the last stable offset of the last read; guarded by DelayedFetch.this. */
        long stable;
        /** A consumer's read of a replicated partition: the high watermark of the last read; guarded by DelayedFetch.this. */
        long highWatermark;

        long stableSeen() {
            synchronized (DelayedFetch.this) {
                return stable;
            }
        }

        long highWatermarkSeen() {
            synchronized (DelayedFetch.this) {
                return highWatermark;
            }
        }

        Watch(FetchHandler.PartitionRead at) {
            this.at = at;
        }

        @Override
        public void wake() {
            if (completed.get()) {
                return;
            }
            PartitionLog p = at.log();
            boolean changed = handler.store().partition(p.topicPartition()) != p
                    || at.fetchOffset() < p.logStartOffset() || at.fetchOffset() > p.logEndOffset() || handler.roleChanged(at);
            boolean readable = at.stableOffset() >= 0 ? p.lastStableOffset() > stableSeen()
                    : at.highWatermark() >= 0 ? p.highWatermark() > highWatermarkSeen() // appends past it are not readable yet
                    : countAppends(this);
            if (changed || readable) {
                readSoon();
            }
        }
    }

    /**
     * {@code context}: the request's fetch session context, which gives the partitions to read and makes the
     * answer (an incremental fetch's answer is made against its session when the read is done).
     * {@code denied}: the topics the request may not read, as decided once when it came in.
     */
    DelayedFetch(FetchHandler handler, KafkaRequest request, FetchContext context, Predicate<String> denied, int minBytes,
                 FetchHandler.Result first) {
        this.handler = handler;
        this.request = request;
        this.context = context;
        this.body = context.toRead();
        this.denied = denied;
        this.minBytes = minBytes;
        first.partitions().forEach(pr -> watches.add(new Watch(pr)));
        rebase(first);
    }

    CompletableFuture<AbstractResponse> future() {
        return future;
    }

    /** Registers with the waiters, the timer and the connection, then catches up with appends since the first read. */
    void park(long waitMs) {
        watches.forEach(w -> handler.waiters().add(w.at.log().topicPartition(), w));
        try {
            timer = request.eventLoop().schedule(this::expire, waitMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // the event loop is shutting down with the broker
            fail(e);
            return;
        }
        request.closeFuture().addListener(onClose);
        if (completed.get()) {
            release(); // completed while parking: the timer or listener may have been set after the release
            return;
        }
        watches.forEach(Watch::wake);
    }

    /** Counts the partition's appends since its last count; true when the fetch could now have min_bytes. */
    private synchronized boolean countAppends(Watch w) {
        if (w.at.stableOffset() >= 0 || w.at.highWatermark() >= 0) {
            return available >= minBytes; // appended bytes may not be readable; the last stable offset / high watermark decides
        }
        long now = w.at.log().appendedBytes();
        long capped = Math.min(w.at.maxBytes(), w.bytes + (now - w.counted));
        available += capped - w.bytes;
        w.bytes = capped;
        w.counted = now;
        return available >= minBytes;
    }

    /** Takes what a read actually returned as the new base, then counts appends since it began. */
    private synchronized void rebase(FetchHandler.Result r) {
        available = 0;
        for (int i = 0; i < watches.size(); i++) {
            Watch w = watches.get(i);
            FetchHandler.PartitionRead pr = r.partitions().get(i);
            w.counted = pr.appendedBefore();
            w.bytes = Math.min(w.at.maxBytes(), pr.bytes());
            w.stable = pr.stableOffset();
            w.highWatermark = pr.highWatermark();
            available += w.bytes;
        }
        watches.forEach(this::countAppends);
    }

    private synchronized boolean enough() {
        return available >= minBytes;
    }

    /**
     * Starts a read unless one is under way (that one re-checks when it ends): on a request-handler thread right
     * after its current task (the append that woke us), elsewhere on the pool.
     */
    private void readSoon() {
        if (!completed.get() && reading.compareAndSet(false, true)) {
            Runnable read = () -> attempt(false);
            if (!RequestHandlerPool.runAfterCurrentTask(read)) {
                submit(read);
            }
        }
    }

    private void expire() {
        if (!completed.get()) {
            submit(() -> attempt(true));
        }
    }

    /** Runs the read on the request-handler pool; a full pool (queued.max.requests) is retried shortly, never failed. */
    private void submit(Runnable read) {
        try {
            handler.ioPool().execute(read);
        } catch (RejectedExecutionException full) {
            try {
                request.eventLoop().schedule(() -> submit(read), POOL_FULL_RETRY_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                log.debug("Fetch from {} dropped: the broker is shutting down", request.context().clientId());
                fail(shuttingDown);
            }
        }
    }

    /** One real read; answers when it has min_bytes, an error, or the wait is over, else waits on. */
    private void attempt(boolean expired) {
        if (completed.get()) {
            return;
        }
        FetchHandler.Result r;
        try {
            r = handler.read(body, denied, request.context().listenerName);
        } catch (RuntimeException e) {
            log.error("Fetch from {} failed", request.context().clientId(), e);
            fail(e);
            return;
        }
        if (expired || r.bytes() >= minBytes || r.anyError() || r.partitions().size() != watches.size()) {
            complete(context.respond(r.data()));
            return;
        }
        rebase(r);
        reading.set(false);
        if (enough()) { // an append counted while reading saw `reading` set and left the read to us
            readSoon();
        }
    }

    private void connectionClosed() {
        if (completed.compareAndSet(false, true)) {
            log.debug("Dropping the fetch parked for {}: its connection closed", request.context().clientId());
            release();
            future.complete(null);
        }
    }

    private void complete(AbstractResponse response) {
        if (completed.compareAndSet(false, true)) {
            release();
            future.complete(response);
        }
    }

    private void fail(Exception e) {
        if (completed.compareAndSet(false, true)) {
            release();
            future.completeExceptionally(e);
        }
    }

    /** Lets go of everything that refers to this fetch; safe to call more than once. */
    private void release() {
        watches.forEach(w -> handler.waiters().remove(w.at.log().topicPartition(), w));
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
        request.closeFuture().removeListener(onClose);
    }
}
