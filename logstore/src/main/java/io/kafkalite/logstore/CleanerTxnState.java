package io.kafkalite.logstore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
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
 * may go only once no batch of its transaction is left in front of it. An aborted transaction none of
 * whose data is left any more loses its index row ({@link #drainUnneededRows}): a read_committed fetch
 * would otherwise skip the producer's later batches (it waits for an ABORT marker that may be gone).
 */
final class CleanerTxnState {
    /** An aborted transaction the walk is inside of: whether a batch of it was seen. */
    private static final class Open {
        final AbortedTxn txn;
        boolean sawData;

        Open(AbortedTxn txn) {
            this.txn = txn;
        }
    }

    private final PriorityQueue<AbortedTxn> aborted = new PriorityQueue<>(Comparator.comparingLong(AbortedTxn::firstOffset));
    /** Producers with a committed (or not yet decided) transaction whose batches were seen. */
    private final Set<Long> committedWithData = new HashSet<>();
    private final Map<Long, Open> abortedOngoing = new HashMap<>();
    /** Rows of aborted transactions with no data left, to delete from the index. */
    private final List<AbortedTxn> unneeded = new ArrayList<>();

    CleanerTxnState(List<AbortedTxn> abortedTxns) {
        aborted.addAll(abortedTxns);
    }

    private void openAbortedUpTo(long offset) {
        while (!aborted.isEmpty() && aborted.peek().firstOffset() <= offset) {
            AbortedTxn txn = aborted.poll();
            Open current = abortedOngoing.get(txn.producerId());
            if (current == null || current.txn.lastOffset() < txn.firstOffset()) { // a row before it whose marker is gone: stale
                if (current != null && !current.sawData) {
                    unneeded.add(current.txn);
                }
                abortedOngoing.put(txn.producerId(), new Open(txn));
            }
        }
    }

    /**
     * The producer's open aborted transaction, or null. A row whose marker offset is already behind the
     * batch is closed here: its marker is gone (a row left by an older version), so the producer's later
     * batches are not aborted.
     */
    private Open openFor(RecordBatch batch) {
        Open open = abortedOngoing.get(batch.producerId());
        if (open != null && batch.baseOffset() > open.txn.lastOffset()) {
            abortedOngoing.remove(batch.producerId());
            if (!open.sawData) {
                unneeded.add(open.txn);
            }
            return null;
        }
        return open;
    }

    /** A data batch: @return whether it belongs to an aborted transaction (then it may be dropped). */
    boolean onBatch(RecordBatch batch) {
        openAbortedUpTo(batch.lastOffset());
        if (!batch.isTransactional()) {
            return false;
        }
        Open open = openFor(batch);
        if (open != null) {
            open.sawData = true;
            return true;
        }
        committedWithData.add(batch.producerId());
        return false;
    }

    /** A control batch: @return whether no data of its transaction remains before it (then it may go once its horizon passed). */
    boolean onMarker(RecordBatch batch) {
        openAbortedUpTo(batch.lastOffset());
        Open open = openFor(batch);
        Iterator<Record> it = batch.iterator();
        ControlRecordType type = it.hasNext() ? ControlRecordType.parse(it.next().key()) : null; // null: emptied by an earlier pass
        if (type == ControlRecordType.ABORT || type == null) {
            abortedOngoing.remove(batch.producerId());
            if (type == null) {
                committedWithData.remove(batch.producerId());
            }
            if (open == null || !open.sawData) {
                if (open != null) {
                    unneeded.add(open.txn); // its data went in an earlier pass: no fetch reads it any more
                }
                return true;
            }
            return false;
        }
        if (type == ControlRecordType.COMMIT) {
            return !committedWithData.remove(batch.producerId());
        }
        return false;
    }

    /** The index rows of aborted transactions found to have no data left since the last call. */
    List<AbortedTxn> drainUnneededRows() {
        List<AbortedTxn> rows = new ArrayList<>(unneeded);
        unneeded.clear();
        return rows;
    }
}
