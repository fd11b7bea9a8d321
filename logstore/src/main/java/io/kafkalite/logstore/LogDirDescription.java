package io.kafkalite.logstore;

import java.util.List;

/**
 * A log directory as DescribeLogDirs reports it.
 * @param path        its absolute path
 * @param offline     true after an I/O error in it (or in the first directory, which holds the metadata)
 * @param totalBytes  size of the volume it is on; -1 when offline or unknown
 * @param usableBytes space left on that volume for this process; -1 when offline or unknown
 * @param partitions  the partitions it holds that were asked for (none when offline)
 */
public record LogDirDescription(String path, boolean offline, long totalBytes, long usableBytes, List<PartitionLog> partitions) { }
