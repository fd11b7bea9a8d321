package io.kafkalite.logstore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.common.record.internal.FileRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log cleaner of compacted topics ({@code cleanup.policy=compact} or {@code compact,delete}):
 * {@code log.cleaner.threads} background threads, each of which takes the dirtiest partition that is
 * due ({@link Cleanable#due}), cleans it ({@link Cleaner}) and looks again, or sleeps
 * {@code log.cleaner.backoff.ms} when none is. Each thread has its own offset map of at most
 * {@code log.cleaner.dedupe.buffer.size / log.cleaner.threads} bytes and I/O buffers of
 * {@code log.cleaner.io.buffer.size / log.cleaner.threads}; they share the I/O throttle.
 * A partition is cleaned by one thread at a time. A partition whose cleaning fails is left alone until
 * its segments change (Kafka's uncleanable partitions), so a broken one is not retried in a tight loop. Produce and fetch never wait for it: segments are read
 * and written off the request path, and only the swap takes the partition lock.
 */
final class LogCleaner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

    /** The broker settings, with Kafka's names and defaults. */
    record Settings(boolean enable, int threads, long backoffMs, long dedupeBufferSize, double loadFactor, int ioBufferSize,
                    double maxIoBytesPerSecond) {
        static Settings from(Map<String, String> props) {
            return new Settings(
                    Boolean.parseBoolean(props.getOrDefault("log.cleaner.enable", "true").trim()),
                    Integer.parseInt(props.getOrDefault("log.cleaner.threads", "1").trim()),
                    Long.parseLong(props.getOrDefault("log.cleaner.backoff.ms", "15000").trim()),
                    Long.parseLong(props.getOrDefault("log.cleaner.dedupe.buffer.size", String.valueOf(128L << 20)).trim()),
                    Double.parseDouble(props.getOrDefault("log.cleaner.io.buffer.load.factor", "0.9").trim()),
                    Integer.parseInt(props.getOrDefault("log.cleaner.io.buffer.size", String.valueOf(512 << 10)).trim()),
                    Double.parseDouble(props.getOrDefault("log.cleaner.io.max.bytes.per.second", String.valueOf(Double.MAX_VALUE)).trim()));
        }
    }

    private final Settings settings;
    private final Supplier<Iterable<PartitionLog>> partitions;
    private final Set<PartitionLog> inProgress = ConcurrentHashMap.newKeySet();
    /** Partitions whose cleaning failed, with the segments it failed on. */
    private final Map<PartitionLog, List<Map.Entry<Long, FileRecords>>> uncleanable = new ConcurrentHashMap<>();
    private final Throttler throttler;
    private final List<Thread> threads = new ArrayList<>();
    private final Object sleep = new Object();
    private volatile boolean stopping;

    LogCleaner(Settings settings, Supplier<Iterable<PartitionLog>> partitions) {
        this.settings = settings;
        this.partitions = partitions;
        this.throttler = new Throttler(settings.maxIoBytesPerSecond());
    }

    void start() {
        for (int i = 0; i < settings.threads(); i++) {
            Thread t = new Thread(this::run, "log-cleaner-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run() {
        int threadsCount = settings.threads();
        OffsetMap map = new OffsetMap(settings.dedupeBufferSize() / threadsCount, settings.loadFactor());
        Cleaner cleaner = new Cleaner(map, throttler,
                Math.max(4096, settings.ioBufferSize() / threadsCount / 2), () -> stopping);
        while (!stopping) {
            Cleanable next = grabDirtiest();
            if (next == null) {
                synchronized (sleep) {
                    try {
                        sleep.wait(settings.backoffMs());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                continue;
            }
            try {
                cleaner.clean(next, System.currentTimeMillis());
            } catch (Cleaner.Aborted e) {
                log.info("Cleaning of {} stopped: {}", next.log().topicPartition(), e.getMessage());
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // as Kafka's markPartitionUncleanable: no retry in a loop; a change of its segments (or a restart) clears it
                log.error("Cleaning of {} failed; it is left alone until its segments change", next.log().topicPartition(), e);
                uncleanable.put(next.log(), next.segments());
            } finally {
                inProgress.remove(next.log());
            }
        }
    }

    private boolean stillUncleanable(PartitionLog p) {
        List<Map.Entry<Long, FileRecords>> failedOn = uncleanable.get(p);
        if (failedOn == null) {
            return false;
        }
        if (p.storage() instanceof FileStorage files && files.rolledSegments().equals(failedOn) && !files.closedForCleaning()) {
            return true;
        }
        uncleanable.remove(p); // new segments (rolled, cleaned away, replaced) or gone: tried again
        return false;
    }

    /** How many partitions a failed cleaning left alone (Kafka's uncleanable-partitions-count). */
    int uncleanablePartitionsCount() {
        return uncleanable.size();
    }

    /** The due partition with the highest dirty ratio, marked in progress; null when none is due. */
    private synchronized Cleanable grabDirtiest() {
        long now = System.currentTimeMillis();
        Cleanable best = null;
        Set<PartitionLog> present = new java.util.HashSet<>();
        for (PartitionLog p : partitions.get()) {
            present.add(p);
            if (inProgress.contains(p) || stillUncleanable(p)) {
                continue;
            }
            try {
                Cleanable c = Cleanable.examine(p, now);
                if (c != null && c.due() && (best == null || c.dirtyRatio() > best.dirtyRatio())) {
                    best = c;
                }
            } catch (Exception e) {
                log.warn("Could not examine {} for cleaning", p.topicPartition(), e);
            }
        }
        uncleanable.keySet().retainAll(present); // deleted partitions are forgotten
        if (best != null) {
            inProgress.add(best.log());
        }
        return best;
    }

    /** Stops the threads: a pass under way drops its unfinished group (its file is deleted). */
    @Override
    public void close() {
        stopping = true;
        synchronized (sleep) {
            sleep.notifyAll();
        }
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
