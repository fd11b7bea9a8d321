package io.kafkalite.compat;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The history of a queue workload ({@link JepsenQueueTest}): every operation of the clients and the nemesis, in the
 * order they were recorded (a global sequence; each event is recorded once the operation's outcome is known).
 * Values are unique across the workload, so a value identifies one send attempt. {@link QueueChecker} checks it.
 */
final class QueueHistory {
    enum Outcome { COMMITTED, ABORTED, UNKNOWN }

    sealed interface Event permits Send, SendFailed, Txn, Assigned, Revoked, Poll, Commit, Read, Nemesis, Note { }

    /** A send acknowledged at this offset ({@code txn}: the producer's transaction number, null if not transactional). */
    record Send(String client, long value, int partition, long offset, Long txn) implements Event { }

    /** A send that failed (it may or may not be in the log). */
    record SendFailed(String client, long value, int partition, Long txn, String error) implements Event { }

    /**
     * The end of a transaction: COMMITTED once commitTransaction returned, ABORTED when commit was never called (an
     * abort, or an error before the commit: it can never commit), UNKNOWN when commitTransaction failed.
     */
    record Txn(String client, long txn, Outcome outcome, String detail) implements Event { }

    /** A consumer was assigned the partition; {@code position}: where it starts (the group's committed offset), or null. */
    record Assigned(String client, int partition, Long position) implements Event { }

    /** A consumer lost the partition (revoked or lost in a rebalance). */
    record Revoked(String client, int partition) implements Event { }

    /** A record a consumer's poll returned. */
    record Poll(String client, boolean readCommitted, int partition, long offset, long value) implements Event { }

    /** A commit of the group's offset for a partition: ok, or failed (it may have been stored). */
    record Commit(String client, int partition, long offset, boolean ok) implements Event { }

    /** A record of the final full read of every partition, after the faults stopped. */
    record Read(String client, boolean readCommitted, int partition, long offset, long value) implements Event { }

    /** What the nemesis did. */
    record Nemesis(String what) implements Event { }

    /** An error a client saw outside the operations above (for the reader of the history; not checked). */
    record Note(String client, String what) implements Event { }

    private final long start = System.nanoTime();
    private final List<Event> events = new ArrayList<>();
    private final List<Long> times = new ArrayList<>();

    synchronized void add(Event e) {
        events.add(e);
        times.add((System.nanoTime() - start) / 1_000_000);
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    synchronized int size() {
        return events.size();
    }

    /** One line per event: sequence number, milliseconds since the start, the event. */
    synchronized void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < events.size(); i++) {
                w.write(i + "\t" + times.get(i) + "\t" + events.get(i) + "\n");
            }
        }
    }
}
