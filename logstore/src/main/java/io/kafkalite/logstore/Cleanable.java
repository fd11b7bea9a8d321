package io.kafkalite.logstore;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;

/**
 * What one compacted partition offers the cleaner now (Kafka's LogToClean): its rolled segments, the
 * dirty range [firstDirty, uncleanable) and the bytes before and in it. {@code uncleanable} is a segment
 * boundary: the cleaner never touches the active segment, a segment holding offsets at or after the last
 * stable offset or the recovery point (so cleaned segments are always below the recovery point, and a
 * restart never re-reads them), or a segment newer than {@code min.compaction.lag.ms}.
 */
record Cleanable(PartitionLog log, FileStorage files, List<Map.Entry<Long, FileRecords>> segments,
                 long firstDirty, long uncleanable, long cleanBytes, long dirtyBytes, boolean overdue) {

    double dirtyRatio() {
        long total = cleanBytes + dirtyBytes;
        return total == 0 ? 0 : (double) dirtyBytes / total;
    }

    /** Due when dirty enough or, with dirty bytes, past max.compaction.lag.ms. */
    boolean due() {
        return (overdue && dirtyBytes > 0) || dirtyRatio() > log.config().minCleanableDirtyRatio;
    }

    /** @return null for a partition that is not compacted, or not on disk */
    static Cleanable examine(PartitionLog log, long now) throws IOException {
        LogConfig cfg = log.config();
        if (!cfg.compact || !(log.storage() instanceof FileStorage files) || files.closedForCleaning()) {
            return null;
        }
        List<Map.Entry<Long, FileRecords>> segments = files.rolledSegments();
        if (segments.isEmpty()) {
            return null;
        }
        long start = files.logStartOffset();
        long firstDirty = files.cleanedTo();
        if (firstDirty < start || firstDirty > files.logEndOffset()) {
            firstDirty = start;
        }
        long limit = Math.min(log.lastStableOffset(), files.recoveryPoint());
        long uncleanable = files.nextBase(segments.get(segments.size() - 1).getKey());
        long clean = 0;
        long dirty = 0;
        long earliestDirty = Long.MAX_VALUE;
        for (Map.Entry<Long, FileRecords> e : segments) {
            long next = files.nextBase(e.getKey());
            boolean dirtySegment = next > firstDirty;
            if (next > limit || (dirtySegment && cfg.minCompactionLagMs > 0
                    && files.largestTimestampOf(e.getKey(), e.getValue()) > now - cfg.minCompactionLagMs)) {
                uncleanable = e.getKey();
                break;
            }
            if (dirtySegment) {
                dirty += e.getValue().sizeInBytes();
                if (cfg.maxCompactionLagMs < Long.MAX_VALUE) {
                    earliestDirty = Math.min(earliestDirty, firstBatchTimestamp(e.getValue()));
                }
            } else {
                clean += e.getValue().sizeInBytes();
            }
        }
        uncleanable = Math.max(uncleanable, firstDirty);
        boolean overdue = earliestDirty < now - cfg.maxCompactionLagMs;
        return new Cleanable(log, files, segments, firstDirty, uncleanable, clean, dirty, overdue);
    }

    private static long firstBatchTimestamp(FileRecords seg) {
        for (FileChannelRecordBatch b : seg.batches()) {
            return b.maxTimestamp() > 0 ? b.maxTimestamp() : Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }
}
