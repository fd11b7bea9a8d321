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
 * The files of a log directory besides segments and LMDB (layouts in {@link StoreLayout}): the
 * {@code .lock} that keeps a second broker out, each partition directory's {@code partition.metadata}
 * naming the topic id it belongs to, and {@code -delete} directories of deleted partitions.
 */
final class LogDir implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogDir.class);
    static final String LOCK_FILE = ".lock";
    static final String PARTITION_METADATA = "partition.metadata";
    static final String TRASH_SUFFIX = "-delete";

    private final FileChannel lockChannel;
    private final FileLock lock;

    private LogDir(FileChannel lockChannel, FileLock lock) {
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Locks the directory for this process, as Kafka does, before anything in it is read or changed.
     * @throws KafkaException when another process holds it
     */
    static LogDir lock(Path dir) throws IOException {
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
        return new LogDir(channel, lock);
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
        String expected = "version: 0\ntopic_id: " + topicId + "\n";
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

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }
}
