package io.kafkalite.logstore;

import java.util.ArrayList;
import java.util.List;

/**
 * An aborted transaction of one partition, as Kafka's transaction index keeps it: its producer, its first
 * offset, the offset of its ABORT marker ({@code lastOffset}) and the last stable offset once it ended.
 * No transaction aborted later starts below that last stable offset, which is what lets a lookup stop.
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {

    /** Collects, from rows in lastOffset order starting at the first with lastOffset >= fetchOffset, those a fetch up to upperBound needs. */
    static final class Collector {
        private final long upperBound;
        final List<AbortedTxn> found = new ArrayList<>();

        Collector(long upperBound) {
            this.upperBound = upperBound;
        }

        /** @return whether later rows may still matter */
        boolean offer(AbortedTxn txn) {
            if (txn.firstOffset() < upperBound) {
                found.add(txn);
            }
            return txn.lastStableOffset() < upperBound;
        }
    }
}
