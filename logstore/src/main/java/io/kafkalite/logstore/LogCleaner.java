package io.kafkalite.logstore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log cleaner of compacted topics ({@code cleanup.policy=compact} or {@code compact,delete}):
 * {@code log.cleaner.threads} background threads, each of which takes the dirtiest partition that is
 * due ({@link Cleanable#due}), cleans it ({@link Cleaner}) and looks again, or sleeps
 * {@code log.cleaner.backoff.ms} when none is. Each thread has its own offset map of at most
 * {@code log.cleaner.dedupe.buffer.size / log.cleaner.threads} bytes and I/O buffers of
 * {@code log.cleaner.io.buffer.size / log.cleaner.threads}; they share the I/O throttle.
 * A partition is cleaned by one thread at a time. Produce and fetch never wait for it: segments are read
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
                log.warn("Cleaning of {} failed; it is tried again later", next.log().topicPartition(), e);
            } finally {
                inProgress.remove(next.log());
            }
        }
    }

    /** The due partition with the highest dirty ratio, marked in progress; null when none is due. */
    private synchronized Cleanable grabDirtiest() {
        long now = System.currentTimeMillis();
        Cleanable best = null;
        for (PartitionLog p : partitions.get()) {
            if (inProgress.contains(p)) {
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
