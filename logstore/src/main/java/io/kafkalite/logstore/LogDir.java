package io.kafkalite.logstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One directory of {@code log.dirs}, open: its {@code .lock} (keeps a second broker out), its health,
 * and its LMDB environment ({@code meta.lmdb/}, the index of the partitions it holds; in the first
 * directory also the broker's metadata). Its static helpers handle the files of a log directory besides
 * segments and LMDB (layouts in {@link StoreLayout}): each partition directory's {@code partition.metadata}
 * naming the topic id it belongs to, and {@code -delete} directories of deleted partitions.
 */
final class LogDir implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogDir.class);
    static final String LOCK_FILE = ".lock";
    static final String LMDB_DIR = "meta.lmdb";
    static final String PARTITION_METADATA = "partition.metadata";
    static final String TRASH_SUFFIX = "-delete";

    private final Path path;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final LogDirHealth health;
    private final LmdbStore store;
    /** Partitions placed here; new partitions go to the directory with the fewest (under the backend's lock). */
    int partitions;

    private LogDir(Path path, FileChannel lockChannel, FileLock lock, LogDirHealth health, LmdbStore store) {
        this.path = path;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.health = health;
        this.store = store;
    }

    /**
     * Locks the directory for this process, as Kafka does, before anything in it is read or changed; then
     * sweeps the trash and opens the LMDB environment.
     * @param metadataDir the health of the first log directory, null when this is it
     * @throws KafkaException when another process holds it
     */
    static LogDir open(Path dir, long lmdbMapSize, LogDirHealth metadataDir) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // this JVM holds it already
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new KafkaException("Failed to acquire lock on file .lock in " + dir.toAbsolutePath().normalize()
                    + ". A Kafka instance in another process or thread is using this directory.");
        }
        try {
            sweepTrash(dir);
            LogDirHealth health = new LogDirHealth(dir, metadataDir);
            return new LogDir(dir, channel, lock, health, new LmdbStore(dir.resolve(LMDB_DIR), lmdbMapSize, health));
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    Path path() {
        return path;
    }

    LogDirHealth health() {
        return health;
    }

    LmdbStore store() {
        return store;
    }

    /** Deletes what deleted partitions left (a crash before their delayed delete). */
    static void sweepTrash(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : (Iterable<Path>) entries.filter(p -> p.getFileName().toString().endsWith(TRASH_SUFFIX))::iterator) {
                log.info("Deleting {}, left by a deleted partition", p.getFileName());
                deleteTree(p);
            }
        }
    }

    /**
     * Makes partitionDir the directory of a partition of topicId. A directory of the same name that
     * belongs to another topic id (a deleted topic of the same name whose removal a crash interrupted)
     * is moved to the trash first, so a re-created topic never serves the old records.
     */
    static void claim(Path partitionDir, Uuid topicId) throws IOException {
        Path metadata = partitionDir.resolve(PARTITION_METADATA);
        String expected = metadataText(topicId);
        if (Files.exists(metadata)) {
            String found = Files.readString(metadata, StandardCharsets.UTF_8);
            if (found.equals(expected)) {
                return;
            }
            Path trash = trashName(partitionDir);
            log.warn("{} belongs to another topic id ({}), not {}: moving it to {}", partitionDir.getFileName(),
                    found.replace('\n', ' ').trim(), topicId, trash.getFileName());
            Files.move(partitionDir, trash, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(trash);
        }
        Files.createDirectories(partitionDir);
        Path tmp = partitionDir.resolve(PARTITION_METADATA + ".tmp");
        Files.writeString(tmp, expected, StandardCharsets.UTF_8);
        Files.move(tmp, metadata, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsync(partitionDir);
        fsync(partitionDir.getParent());
    }

    /** Makes a directory's entries (new files, renames) survive a power loss. */
    static void fsync(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** {@code <dir>.<unique id>-delete}, as Kafka names a partition directory on its way out. */
    static Path trashName(Path partitionDir) {
        return partitionDir.resolveSibling(partitionDir.getFileName() + "." + Uuid.randomUuid().toString().replace("-", "")
                .replace("_", "") + TRASH_SUFFIX);
    }

    static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete " + root, e);
        }
    }

    /** Reads partition.metadata: false when partitionDir belongs to another topic id (one without the file is claimable). */
    static boolean belongsTo(Path partitionDir, Uuid topicId) throws IOException {
        Path metadata = partitionDir.resolve(PARTITION_METADATA);
        return !Files.exists(metadata) || Files.readString(metadata, StandardCharsets.UTF_8).equals(metadataText(topicId));
    }

    private static String metadataText(Uuid topicId) {
        return "version: 0\ntopic_id: " + topicId + "\n";
    }

    /** Closes the LMDB environment (after its queued writes) and releases the lock; failures are logged. */
    @Override
    public void close() {
        try {
            store.close();
        } catch (RuntimeException e) {
            log.warn("Closing the index of {} failed", path, e);
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("Releasing the lock of {} failed", path, e);
        }
    }
}
