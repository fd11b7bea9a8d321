package io.kafkalite.logstore;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's leader epoch cache of one partition: for each leader epoch the first offset written in it.
 * Followers find where their log diverges from the leader's with it (OffsetForLeaderEpoch).
 *
 * <p>On disk it is Kafka's {@code leader-epoch-checkpoint} file in the partition directory: a line "0"
 * (the version), a line with the entry count, then one "epoch startOffset" line per entry. It is
 * rewritten whole (temporary file, fsync, atomic rename) on every change, which is rare (a leader
 * change). In memory only when {@code file} is null. Thread-safe.
 */
public final class LeaderEpochCache {
    private static final Logger log = LoggerFactory.getLogger(LeaderEpochCache.class);
    static final String FILE_NAME = "leader-epoch-checkpoint";
    /** An undefined epoch or offset, as OffsetForLeaderEpoch answers it (-1). */
    public static final int UNDEFINED = -1;

    /** One answer of {@link #endOffsetFor}. */
    public record EpochEnd(int epoch, long endOffset) {
        static final EpochEnd UNKNOWN = new EpochEnd(UNDEFINED, UNDEFINED);
    }

    private final Path file;
    private final TreeMap<Integer, Long> epochs = new TreeMap<>();

    private LeaderEpochCache(Path file) {
        this.file = file;
    }

    static LeaderEpochCache inMemory() {
        return new LeaderEpochCache(null);
    }

    /**
     * The cache of the partition in {@code dir}, read from its checkpoint file; null when there is no
     * readable file (the caller rebuilds it from the batches).
     */
    static LeaderEpochCache load(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        LeaderEpochCache cache = new LeaderEpochCache(file);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || !lines.get(0).trim().equals("0")) {
                throw new IOException("unknown version or truncated file");
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (lines.size() < 2 + count) {
                throw new IOException("expected " + count + " entries");
            }
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(2 + i).trim().split("\\s+");
                cache.epochs.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
            }
            return cache;
        } catch (IOException | RuntimeException e) {
            log.warn("{} is unreadable ({}); rebuilding it from the log", file, e.toString());
            return null;
        }
    }

    /** An empty cache kept in {@code dir}'s checkpoint file (written at its first entry). */
    static LeaderEpochCache empty(Path dir) {
        return new LeaderEpochCache(dir.resolve(FILE_NAME));
    }

    /** The latest epoch, -1 when none is known. */
    public synchronized int latestEpoch() {
        return epochs.isEmpty() ? UNDEFINED : epochs.lastKey();
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}, as Kafka assigns it: nothing happens for
     * the latest epoch at the same or a later offset; entries of this or a later epoch, or starting at or
     * after this offset, are dropped (they contradict it). Negative epochs are ignored.
     */
    public synchronized void assign(int epoch, long startOffset) {
        if (epoch < 0) {
            return;
        }
        if (!epochs.isEmpty() && epochs.lastKey() == epoch && epochs.lastEntry().getValue() <= startOffset) {
            return;
        }
        epochs.entrySet().removeIf(e -> e.getKey() >= epoch || e.getValue() >= startOffset);
        epochs.put(epoch, startOffset);
        persist();
    }

    /**
     * Kafka's OffsetForLeaderEpoch answer: for the latest epoch, the log end offset; else the largest
     * known epoch at or below {@code requested} and the start offset of the first epoch after it (for an
     * epoch older than every known one: the requested epoch and the first known start offset, as Kafka
     * answers); (-1, -1) for an undefined epoch, one newer than the latest, or an empty cache.
     */
    public synchronized EpochEnd endOffsetFor(int requested, long logEndOffset) {
        if (requested == UNDEFINED || epochs.isEmpty()) {
            return EpochEnd.UNKNOWN;
        }
        if (requested == epochs.lastKey()) {
            return new EpochEnd(requested, logEndOffset);
        }
        Map.Entry<Integer, Long> higher = epochs.higherEntry(requested);
        if (higher == null) {
            return EpochEnd.UNKNOWN;
        }
        Map.Entry<Integer, Long> floor = epochs.floorEntry(requested);
        return new EpochEnd(floor == null ? requested : floor.getKey(), higher.getValue());
    }

    /** Drops the entries starting at or after {@code endOffset} (the log was truncated there). */
    public synchronized void truncateFromEnd(long endOffset) {
        if (epochs.values().removeIf(start -> start >= endOffset)) {
            persist();
        }
    }

    /** Forgets every entry (the log was emptied). */
    public synchronized void clear() {
        if (!epochs.isEmpty()) {
            epochs.clear();
            persist();
        }
    }

    /** The entries, oldest first: epoch -> start offset. */
    public synchronized Map<Integer, Long> entries() {
        return new TreeMap<>(epochs);
    }

    /** Writes the file: a temporary file fsynced, then renamed over the old one, and the directory fsynced. */
    private void persist() {
        if (file == null) {
            return;
        }
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write("0\n" + epochs.size() + "\n");
                for (Map.Entry<Integer, Long> e : epochs.entrySet()) {
                    w.write(e.getKey() + " " + e.getValue() + "\n");
                }
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LogDir.fsync(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }
}
