package io.kafkalite.logstore;

import java.util.Map;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Kafka's cleaning rules for one pass, applied by {@code MemoryRecords.filterTo} (which rebuilds a batch
 * with its offsets, producer fields and transactional flag, and stamps the delete horizon):
 * <ul>
 * <li>a record stays when the offset map holds no later offset of its key (records past the map's end stay);</li>
 * <li>a tombstone stays until its batch's delete horizon (set to now + {@code delete.retention.ms} by the
 *     first pass that kept it) has passed;</li>
 * <li>records of aborted transactions go; a COMMIT or ABORT marker goes once no batch of its transaction
 *     is left and its own delete horizon has passed;</li>
 * <li>a batch that is the last of an active producer, or the last one below the cleanable end, stays even
 *     when emptied (its header keeps the producer's sequence, epoch and the last offset).</li>
 * </ul>
 */
final class CleanerFilter extends RecordFilter {
    private final OffsetMap map;
    private final long cleanableEnd;
    private final CleanerTxnState txns;
    private final Map<Long, long[]> lastOfProducers; // producer id -> [last data offset or -1, epoch]
    private boolean discardRecords;

    CleanerFilter(long now, long deleteRetentionMs, OffsetMap map, long cleanableEnd, CleanerTxnState txns,
                  Map<Long, long[]> lastOfProducers) {
        super(now, deleteRetentionMs);
        this.map = map;
        this.cleanableEnd = cleanableEnd;
        this.txns = txns;
        this.lastOfProducers = lastOfProducers;
    }

    @Override
    protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
        boolean canDiscard = batch.isControlBatch() ? txns.onMarker(batch) : txns.onBatch(batch);
        if (batch.isControlBatch()) {
            discardRecords = canDiscard && batch.deleteHorizonMs().isPresent() && batch.deleteHorizonMs().getAsLong() <= currentTime;
        } else {
            discardRecords = canDiscard;
        }
        BatchRetention retention;
        if (batch.hasProducerId() && isLastOfProducer(batch)) {
            retention = BatchRetention.RETAIN_EMPTY;
        } else if (batch.nextOffset() == cleanableEnd) {
            retention = BatchRetention.RETAIN_EMPTY; // the last offset below the cleanable end stays known
        } else {
            retention = discardRecords ? BatchRetention.DELETE : BatchRetention.DELETE_EMPTY;
        }
        return new BatchRetentionResult(retention, canDiscard && batch.isControlBatch());
    }

    private boolean isLastOfProducer(RecordBatch batch) {
        long[] last = lastOfProducers.get(batch.producerId());
        if (last == null) {
            return false;
        }
        return last[0] >= 0 ? batch.lastOffset() == last[0] : batch.isControlBatch() && batch.producerEpoch() == last[1];
    }

    @Override
    protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
        if (discardRecords) {
            return false;
        }
        if (batch.isControlBatch() || record.offset() > map.latestOffset()) {
            return true;
        }
        if (!record.hasKey()) {
            return false;
        }
        boolean latest = record.offset() >= map.get(record.key());
        boolean keepDeletes = batch.magic() < RecordBatch.MAGIC_VALUE_V2 || batch.deleteHorizonMs().isEmpty()
                || currentTime < batch.deleteHorizonMs().getAsLong();
        return latest && (record.hasValue() || keepDeletes);
    }
}
