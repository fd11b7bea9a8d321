package io.kafkalite.logstore;

import java.nio.file.Path;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a log directory can still be trusted. The first I/O error on it (a segment write, a flush,
 * an LMDB commit) takes it offline for good, as Kafka does: from then on every partition on it answers
 * KAFKA_STORAGE_ERROR instead of writing as if nothing had happened. A restart brings it back, after
 * recovery has checked what is on disk.
 *
 * <p>With several {@code log.dirs}, each has its own health, and the first directory (which holds the
 * broker's metadata) is every other one's parent: when it fails, every directory is offline (Kafka stops
 * the broker when its metadata directory fails).
 */
public final class LogDirHealth {
    private static final Logger log = LoggerFactory.getLogger(LogDirHealth.class);

    private final Path dir;
    private final String path;
    private final LogDirHealth metadataDir; // null for the metadata directory itself
    private volatile Throwable failure;

    LogDirHealth(Path dir) {
        this(dir, null);
    }

    LogDirHealth(Path dir, LogDirHealth metadataDir) {
        this.dir = dir;
        this.path = dir.toAbsolutePath().normalize().toString();
        this.metadataDir = metadataDir;
    }

    /** The directory's absolute path, as DescribeLogDirs names it. */
    public String path() {
        return path;
    }

    Path dir() {
        return dir;
    }

    /** Takes the directory offline; only the first failure is logged (the broker keeps serving the rest). */
    synchronized void fail(String what, Throwable cause) {
        if (failure == null) {
            failure = cause;
            log.error("Log directory {} is offline: {}. Its partitions answer KAFKA_STORAGE_ERROR until the broker is "
                    + "restarted (after fixing the disk or freeing space).", dir, what, cause);
        }
    }

    public boolean isOffline() {
        return failure != null || (metadataDir != null && metadataDir.isOffline());
    }

    /** @throws KafkaStorageException when the directory is offline */
    void check() {
        Throwable f = failure;
        if (f != null) {
            throw new KafkaStorageException("Log directory " + dir + " is offline: " + f);
        }
        if (metadataDir != null) {
            metadataDir.check();
        }
    }

    /** Takes the directory offline because of cause and returns the exception to answer with. */
    KafkaStorageException failed(String what, Throwable cause) {
        fail(what, cause);
        return new KafkaStorageException("Log directory " + dir + " is offline: " + what + ": " + cause, cause);
    }
}
