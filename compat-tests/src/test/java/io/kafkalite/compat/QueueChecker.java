package io.kafkalite.compat;

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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a {@link QueueHistory} for the anomalies of Jepsen's Kafka queue checker:
 * <ul>
 * <li>lost writes: an acknowledged write (not transactional, or of a committed transaction) missing from the final
 * read_committed read; for a transaction whose commit failed, a partly visible one (atomicity);</li>
 * <li>duplicates: one value at two offsets;</li>
 * <li>inconsistent offsets: one offset with two values, across acknowledgements, polls and final reads, or a polled
 * record that the final read (same isolation level) does not hold;</li>
 * <li>poll skips: a consumer's next record of a partition is beyond its position while records visible to it lie in
 * between (its position: after its last record, or the group's committed offset it was assigned at);</li>
 * <li>aborted reads: a read_committed poll or read of a value of an aborted transaction;</li>
 * <li>nonmonotonic polls: a consumer reading an offset below its position without a rebalance;</li>
 * <li>lost commits: a consumer assigned a partition at a position below the group's last successful commit.</li>
 * </ul>
 */
final class QueueChecker {
    static final String LOST = "lost writes";
    static final String DUPLICATES = "duplicates";
    static final String INCONSISTENT = "inconsistent offsets";
    static final String SKIPS = "poll skips";
    static final String ABORTED_READS = "aborted reads";
    static final String NONMONOTONIC = "nonmonotonic polls";
    static final String LOST_COMMITS = "lost commits";
    private static final int SHOWN = 20;

    record Result(Map<String, List<String>> anomalies, Map<String, Long> stats) {
        int count(String kind) {
            return anomalies.get(kind).size();
        }

        boolean valid() {
            return anomalies.values().stream().allMatch(List::isEmpty);
        }

        /** Counts of each anomaly (with the first few in detail) and of the history's operations. */
        String summary() {
            StringBuilder sb = new StringBuilder(valid() ? "VALID\n" : "INVALID\n");
            anomalies.forEach((kind, list) -> {
                sb.append(kind).append(": ").append(list.size()).append('\n');
                list.stream().limit(SHOWN).forEach(a -> sb.append("  ").append(a).append('\n'));
                if (list.size() > SHOWN) {
                    sb.append("  ... ").append(list.size() - SHOWN).append(" more\n");
                }
            });
            stats.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
            return sb.toString();
        }
    }

    private record Place(int partition, long offset) {
        @Override
        public String toString() {
            return partition + "@" + offset;
        }
    }

    private final Map<String, List<String>> anomalies = new LinkedHashMap<>();
    private final Map<String, Long> stats = new LinkedHashMap<>();
    /** The values seen at each offset, with who saw them first. */
    private final Map<Place, Map<Long, String>> valuesAt = new HashMap<>();
    private final Map<Long, Set<Place>> placesOf = new HashMap<>();
    private final Map<Long, String> txnOf = new HashMap<>();
    private final Map<String, Outcome> outcomes = new HashMap<>();
    private final Map<String, List<Long>> txnValues = new HashMap<>();
    private final Map<Integer, NavigableMap<Long, Long>> finalCommitted = new HashMap<>();
    private final Map<Integer, NavigableMap<Long, Long>> finalUncommitted = new HashMap<>();
    private final Set<Long> committedValues = new HashSet<>();
    private final Set<Long> uncommittedValues = new HashSet<>();

    private QueueChecker() {
        for (String kind : List.of(LOST, DUPLICATES, INCONSISTENT, SKIPS, ABORTED_READS, NONMONOTONIC, LOST_COMMITS)) {
            anomalies.put(kind, new ArrayList<>());
        }
    }

    static Result check(List<Event> history) {
        QueueChecker c = new QueueChecker();
        c.index(history);
        c.checkOffsets();
        c.checkWrites(history);
        c.checkConsumers(history);
        return new Result(c.anomalies, c.stats);
    }

    private static String txnKey(String client, long txn) {
        return client + "/txn-" + txn;
    }

    private void count(String stat) {
        stats.merge(stat, 1L, Long::sum);
    }

    private void observe(long value, int partition, long offset, String who) {
        Place place = new Place(partition, offset);
        valuesAt.computeIfAbsent(place, k -> new LinkedHashMap<>()).putIfAbsent(value, who);
        placesOf.computeIfAbsent(value, k -> new LinkedHashSet<>()).add(place);
    }

    private void index(List<Event> history) {
        for (Event e : history) {
            if (e instanceof Send s) {
                count(s.txn() == null ? "acknowledged sends" : "acknowledged transactional sends");
                observe(s.value(), s.partition(), s.offset(), "acknowledged to " + s.client());
                if (s.txn() != null) {
                    inTxn(s.value(), txnKey(s.client(), s.txn()));
                }
            } else if (e instanceof SendFailed f) {
                count("failed sends");
                if (f.txn() != null) {
                    inTxn(f.value(), txnKey(f.client(), f.txn()));
                }
            } else if (e instanceof Txn t) {
                count("transactions " + t.outcome());
                outcomes.put(txnKey(t.client(), t.txn()), t.outcome());
            } else if (e instanceof Poll p) {
                count(p.readCommitted() ? "records polled (read_committed)" : "records polled (read_uncommitted)");
                observe(p.value(), p.partition(), p.offset(), "polled by " + p.client());
            } else if (e instanceof Read r) {
                count(r.readCommitted() ? "final read records (read_committed)" : "final read records (read_uncommitted)");
                observe(r.value(), r.partition(), r.offset(), "final read " + r.client());
                (r.readCommitted() ? finalCommitted : finalUncommitted).computeIfAbsent(r.partition(), k -> new TreeMap<>())
                        .put(r.offset(), r.value());
                (r.readCommitted() ? committedValues : uncommittedValues).add(r.value());
            } else if (e instanceof Commit c) {
                count(c.ok() ? "commits" : "failed commits");
            } else if (e instanceof Assigned) {
                count("assignments");
            } else if (e instanceof QueueHistory.Nemesis) {
                count("nemesis operations");
            }
        }
    }

    private void inTxn(long value, String txn) {
        txnOf.put(value, txn);
        txnValues.computeIfAbsent(txn, k -> new ArrayList<>()).add(value);
    }

    private void checkOffsets() {
        valuesAt.forEach((place, values) -> {
            if (values.size() > 1) {
                anomalies.get(INCONSISTENT).add(place + " holds " + values);
            }
        });
        placesOf.forEach((value, places) -> {
            if (places.size() > 1) {
                anomalies.get(DUPLICATES).add("value " + value + " at " + places);
            }
        });
    }

    private void checkWrites(List<Event> history) {
        for (Event e : history) {
            if (e instanceof Send s) {
                String txn = s.txn() == null ? null : txnKey(s.client(), s.txn());
                Outcome outcome = txn == null ? Outcome.COMMITTED : outcomes.getOrDefault(txn, Outcome.UNKNOWN);
                boolean mustBeVisible = outcome == Outcome.COMMITTED || outcome == Outcome.UNKNOWN
                        && txnValues.get(txn).stream().anyMatch(committedValues::contains);
                if (mustBeVisible && !committedValues.contains(s.value())) {
                    anomalies.get(LOST).add("value " + s.value() + " acknowledged at " + new Place(s.partition(), s.offset()) + " to "
                            + s.client() + (txn == null ? "" : " in " + txn + " (" + outcome + ")") + " is not in the final read_committed read");
                }
            } else if (e instanceof SendFailed f && uncommittedValues.contains(f.value())) {
                count("failed sends found in the log");
            } else if (e instanceof Poll p && p.readCommitted()) {
                checkNotAborted(e, p.value());
            } else if (e instanceof Read r && r.readCommitted()) {
                checkNotAborted(e, r.value());
            }
        }
    }

    private void checkNotAborted(Event read, long value) {
        String txn = txnOf.get(value);
        if (txn != null && outcomes.get(txn) == Outcome.ABORTED) {
            anomalies.get(ABORTED_READS).add(read + ": value of aborted " + txn);
        }
    }

    private void checkConsumers(List<Event> history) {
        Map<String, Map<Integer, Long>> positions = new HashMap<>();
        Map<Integer, Long> committed = new HashMap<>();
        for (Event e : history) {
            if (e instanceof Commit c && c.ok()) {
                committed.put(c.partition(), c.offset());
            } else if (e instanceof Assigned a) {
                Long last = committed.get(a.partition());
                if (a.position() != null && last != null && a.position() < last) {
                    anomalies.get(LOST_COMMITS).add(a.client() + " assigned partition " + a.partition() + " at " + a.position()
                            + " after the group committed " + last);
                }
                positions.computeIfAbsent(a.client(), k -> new HashMap<>()).put(a.partition(), a.position());
            } else if (e instanceof Revoked r) {
                positions.computeIfAbsent(r.client(), k -> new HashMap<>()).remove(r.partition());
            } else if (e instanceof Poll p) {
                poll(p, positions.computeIfAbsent(p.client(), k -> new HashMap<>()));
            }
        }
    }

    private void poll(Poll p, Map<Integer, Long> positions) {
        NavigableMap<Long, Long> visible = (p.readCommitted() ? finalCommitted : finalUncommitted).getOrDefault(p.partition(), new TreeMap<>());
        if (!visible.containsKey(p.offset())) {
            anomalies.get(INCONSISTENT).add(p + ": the final " + (p.readCommitted() ? "read_committed" : "read_uncommitted")
                    + " read has nothing at " + new Place(p.partition(), p.offset()));
        }
        Long position = positions.get(p.partition());
        if (position != null && p.offset() < position) {
            anomalies.get(NONMONOTONIC).add(p + " below its position " + position);
        } else if (position != null && p.offset() > position) {
            NavigableMap<Long, Long> skipped = visible.subMap(position, true, p.offset(), false);
            if (!skipped.isEmpty()) {
                anomalies.get(SKIPS).add(p + " skipped " + skipped.size() + " visible records from offset " + skipped.firstKey()
                        + " (its position: " + position + ")");
            }
        }
        positions.put(p.partition(), p.offset() + 1);
    }
}
