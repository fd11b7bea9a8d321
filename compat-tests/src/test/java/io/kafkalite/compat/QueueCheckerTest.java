package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.compat.QueueHistory.Assigned;
import io.kafkalite.compat.QueueHistory.Commit;
import io.kafkalite.compat.QueueHistory.Event;
import io.kafkalite.compat.QueueHistory.Outcome;
import io.kafkalite.compat.QueueHistory.Poll;
import io.kafkalite.compat.QueueHistory.Read;
import io.kafkalite.compat.QueueHistory.Revoked;
import io.kafkalite.compat.QueueHistory.Send;
import io.kafkalite.compat.QueueHistory.SendFailed;
import io.kafkalite.compat.QueueHistory.Txn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The queue checker on synthetic histories: a valid one, and one with each anomaly. */
class QueueCheckerTest {
    /**
     * Partition 0: values 1, 2 (idempotent p1), 3, 4 (t1's committed txn 1), a commit marker at 4, 5 (t1's aborted txn 2),
     * an abort marker at 6, 6 at offset 7 (p1). Partition 1: 8 (p1, never polled), 9 and 10 (t1's txn 3, commit
     * failed, invisible). c1 reads uncommitted, c2 committed; both poll partition 0 in turn.
     */
    private static List<Event> valid() {
        List<Event> h = new ArrayList<>(List.of(
                new Send("p1", 1, 0, 0, null), new Send("p1", 2, 0, 1, null),
                new Send("t1", 3, 0, 2, 1L), new Send("t1", 4, 0, 3, 1L), new Txn("t1", 1, Outcome.COMMITTED, ""),
                new Send("t1", 5, 0, 5, 2L), new Txn("t1", 2, Outcome.ABORTED, "abort"),
                new SendFailed("p1", 11, 0, null, "TimeoutException"),
                new Send("p1", 6, 0, 7, null), new Send("p1", 8, 1, 0, null),
                new Send("t1", 9, 1, 1, 3L), new SendFailed("t1", 10, 1, 3L, "TimeoutException"),
                new Txn("t1", 3, Outcome.UNKNOWN, "commit timed out"),
                new Assigned("c1", 0, 0L),
                new Poll("c1", false, 0, 0, 1), new Poll("c1", false, 0, 1, 2), new Poll("c1", false, 0, 2, 3),
                new Commit("c1", 0, 3, true),
                new Revoked("c1", 0), new Assigned("c2", 0, 3L),
                new Poll("c2", true, 0, 3, 4), new Poll("c2", true, 0, 7, 6), new Commit("c2", 0, 8, true),
                new Revoked("c2", 0), new Assigned("c1", 0, 8L), new Commit("c1", 0, 8, false)));
        long[][] committed = {{0, 0, 1}, {0, 1, 2}, {0, 2, 3}, {0, 3, 4}, {0, 7, 6}, {1, 0, 8}};
        for (long[] r : committed) {
            h.add(new Read("final-rc", true, (int) r[0], r[1], r[2]));
        }
        long[][] uncommitted = {{0, 0, 1}, {0, 1, 2}, {0, 2, 3}, {0, 3, 4}, {0, 5, 5}, {0, 7, 6}, {1, 0, 8}, {1, 1, 9}};
        for (long[] r : uncommitted) {
            h.add(new Read("final-ru", false, (int) r[0], r[1], r[2]));
        }
        return h;
    }

    private static Map<String, Integer> counts(List<Event> history) {
        QueueChecker.Result r = QueueChecker.check(history);
        return r.anomalies().keySet().stream().filter(k -> r.count(k) > 0).collect(Collectors.toMap(k -> k, r::count));
    }

    @Test
    void validHistoryHasNoAnomalies() {
        QueueChecker.Result r = QueueChecker.check(valid());
        assertTrue(r.valid(), r.summary());
        assertEquals(4L, r.stats().get("acknowledged sends"));
        assertEquals(1L, r.stats().get("transactions ABORTED"));
        assertTrue(r.summary().startsWith("VALID\nlost writes: 0\n"), r.summary());
    }

    @Test
    void lostWrite() {
        List<Event> h = valid();
        h.remove(new Read("final-rc", true, 1, 0, 8));
        assertEquals(Map.of(QueueChecker.LOST, 1), counts(h));
        assertTrue(QueueChecker.check(h).summary().contains("value 8 acknowledged at 1@0 to p1 is not in the final read_committed read"));
    }

    @Test
    void partlyVisibleTransactionOfUnknownOutcomeLosesTheRest() {
        List<Event> h = valid();
        h.add(new Read("final-rc", true, 1, 1, 9)); // 9 committed after all, so 10 would be too; 10 failed: not acknowledged
        h.add(new Send("t1", 12, 1, 2, 3L));
        h.add(new Read("final-ru", false, 1, 2, 12));
        assertEquals(Map.of(QueueChecker.LOST, 1), counts(h));
    }

    @Test
    void lostCommittedTransaction() {
        List<Event> h = valid();
        h.remove(new Read("final-rc", true, 0, 3, 4)); // c2 polled 4 (read_committed) too
        assertEquals(Map.of(QueueChecker.LOST, 1, QueueChecker.INCONSISTENT, 1), counts(h));
    }

    @Test
    void duplicate() {
        List<Event> h = valid();
        h.add(new Read("final-ru", false, 1, 5, 8));
        assertEquals(Map.of(QueueChecker.DUPLICATES, 1), counts(h));
    }

    @Test
    void inconsistentOffset() {
        List<Event> h = valid();
        h.add(new Read("final-ru", false, 1, 7, 77));
        h.add(new Read("final-rc", true, 1, 7, 78));
        assertEquals(Map.of(QueueChecker.INCONSISTENT, 1), counts(h));
        assertTrue(QueueChecker.check(h).summary().contains("1@7 holds {77=final read final-ru, 78=final read final-rc}"));
    }

    @Test
    void acknowledgedOffsetHoldingAnotherValue() {
        List<Event> h = valid();
        h.add(0, new Send("p2", 13, 0, 1, null)); // 0@1 holds 2
        assertEquals(Map.of(QueueChecker.INCONSISTENT, 1, QueueChecker.LOST, 1), counts(h));
    }

    @Test
    void pollSkip() {
        List<Event> h = valid();
        h.remove(new Poll("c1", false, 0, 1, 2));
        assertEquals(Map.of(QueueChecker.SKIPS, 1), counts(h));
        assertTrue(QueueChecker.check(h).summary().contains("skipped 1 visible records from offset 1 (its position: 1)"));
    }

    @Test
    void pollSkipFromTheAssignedPosition() {
        List<Event> h = valid();
        h.set(h.indexOf(new Assigned("c2", 0, 3L)), new Assigned("c2", 0, 2L)); // the committed 3 lost, but c2 starts at 3
        assertEquals(Map.of(QueueChecker.SKIPS, 1, QueueChecker.LOST_COMMITS, 1), counts(h));
    }

    @Test
    void readingAcrossMarkersAndAbortedRecordsIsNoSkip() {
        List<Event> h = valid();
        int at = h.indexOf(new Commit("c2", 0, 8, true));
        h.add(at, new Poll("c3", true, 0, 7, 6)); // offsets 4 to 6: a marker, an aborted record, a marker
        h.add(at, new Assigned("c3", 0, 4L));
        assertTrue(QueueChecker.check(h).valid(), QueueChecker.check(h).summary());
    }

    @Test
    void abortedRead() {
        List<Event> h = valid();
        h.add(new Read("final-rc", true, 0, 5, 5));
        // c2 (read_committed) did not poll it, rightly, but against this final read that is a skip
        assertEquals(Map.of(QueueChecker.ABORTED_READS, 1, QueueChecker.SKIPS, 1), counts(h));
        h.add(h.indexOf(new Poll("c2", true, 0, 7, 6)), new Poll("c2", true, 0, 5, 5));
        assertEquals(Map.of(QueueChecker.ABORTED_READS, 2), counts(h));
    }

    @Test
    void nonmonotonicPoll() {
        List<Event> h = valid();
        h.add(h.indexOf(new Commit("c1", 0, 3, true)), new Poll("c1", false, 0, 1, 2));
        assertEquals(Map.of(QueueChecker.NONMONOTONIC, 1), counts(h));
    }

    @Test
    void rereadingAfterARebalanceIsNotNonmonotonic() {
        List<Event> h = valid();
        int at = h.indexOf(new Commit("c1", 0, 3, true));
        h.add(at, new Poll("c1", false, 0, 0, 1)); // nothing committed yet: from the start again
        h.add(at, new Assigned("c1", 0, 0L));
        h.add(at, new Revoked("c1", 0));
        assertTrue(QueueChecker.check(h).valid(), QueueChecker.check(h).summary());
    }

    @Test
    void lostCommit() {
        List<Event> h = valid();
        h.set(h.indexOf(new Assigned("c1", 0, 8L)), new Assigned("c1", 0, 3L));
        assertEquals(Map.of(QueueChecker.LOST_COMMITS, 1), counts(h));
    }

    @Test
    void failedCommitThatWasStoredIsNoAnomaly() {
        List<Event> h = valid();
        h.add(new Commit("c1", 0, 9, false));
        h.add(new Revoked("c1", 0));
        h.add(new Assigned("c2", 0, 9L));
        assertTrue(QueueChecker.check(h).valid(), QueueChecker.check(h).summary());
    }
}
