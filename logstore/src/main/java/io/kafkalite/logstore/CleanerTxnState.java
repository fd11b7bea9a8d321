package io.kafkalite.logstore;

import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * What the cleaner learns about transactions while it walks batches in offset order (Kafka's
 * CleanedTransactionMetadata): a batch of an aborted transaction may go, and a COMMIT or ABORT marker
 * may go only once no batch of its transaction is left in front of it.
 */
final class CleanerTxnState {
    private final PriorityQueue<AbortedTxn> aborted = new PriorityQueue<>(Comparator.comparingLong(AbortedTxn::firstOffset));
    /** Producers with a committed (or not yet decided) transaction whose batches were seen. */
    private final Set<Long> committedWithData = new HashSet<>();
    /** Producers inside an aborted transaction: whether a batch of it was seen. */
    private final Map<Long, Boolean> abortedOngoing = new HashMap<>();

    CleanerTxnState(List<AbortedTxn> abortedTxns) {
        aborted.addAll(abortedTxns);
    }

    private void openAbortedUpTo(long offset) {
        while (!aborted.isEmpty() && aborted.peek().firstOffset() <= offset) {
            abortedOngoing.putIfAbsent(aborted.poll().producerId(), false);
        }
    }

    /** A data batch: @return whether it belongs to an aborted transaction (then it may be dropped). */
    boolean onBatch(RecordBatch batch) {
        openAbortedUpTo(batch.lastOffset());
        if (!batch.isTransactional()) {
            return false;
        }
        if (abortedOngoing.containsKey(batch.producerId())) {
            abortedOngoing.put(batch.producerId(), true);
            return true;
        }
        committedWithData.add(batch.producerId());
        return false;
    }

    /** A control batch: @return whether no data of its transaction remains before it (then it may go once its horizon passed). */
    boolean onMarker(RecordBatch batch) {
        openAbortedUpTo(batch.lastOffset());
        java.util.Iterator<Record> it = batch.iterator();
        if (!it.hasNext()) {
            return true; // emptied by an earlier pass
        }
        ControlRecordType type = ControlRecordType.parse(it.next().key());
        if (type == ControlRecordType.ABORT) {
            Boolean sawData = abortedOngoing.remove(batch.producerId());
            return sawData == null || !sawData;
        }
        if (type == ControlRecordType.COMMIT) {
            return !committedWithData.remove(batch.producerId());
        }
        return false;
    }
}
