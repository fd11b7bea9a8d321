package io.kafkalite.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.groups.TransactionCoordinator.ProducerIdAndEpoch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The transaction coordinator's state machine, as Kafka's: both protocols, fencing, timeouts, restarts. */
class TransactionCoordinatorTest {
    private static final TopicPartition TP0 = new TopicPartition("t", 0);
    private static final TopicPartition TP1 = new TopicPartition("t", 1);
    private static final TransactionConfig CONFIG = new TransactionConfig(60_000, 1000, 3_600_000, 600_000);
    private static final TopicsView TOPICS = new TopicsView() {
        public int partitions(String topic) {
            return 2;
        }

        public Uuid topicId(String topic) {
            return Uuid.ONE_UUID;
        }

        public String topicName(Uuid id) {
            return "t";
        }

        public Collection<String> topicNames() {
            return List.of("t");
        }
    };

    /** A marker the coordinator wrote. */
    record Marker(long producerId, short epoch, boolean commit, Set<TopicPartition> partitions) { }

    private final MockScheduler scheduler = new MockScheduler();
    private final LmdbLikeDurableMap table = new LmdbLikeDurableMap();
    private final LmdbLikeDurableMap offsetsTable = new LmdbLikeDurableMap();
    private final List<Marker> markers = new ArrayList<>();
    private boolean markersFail;
    private final AtomicLong producerIds = new AtomicLong(100);
    private final GroupCoordinator groups = new GroupCoordinator(scheduler, GroupConfig.defaults(), offsetsTable, new LmdbLikeDurableMap(), TOPICS);
    private TransactionCoordinator coordinator = newCoordinator();

    private TransactionCoordinator newCoordinator() {
        return new TransactionCoordinator(scheduler, CONFIG, table, producerIds::getAndIncrement, (pid, epoch, coordinatorEpoch, commit, partitions) -> {
            if (markersFail) {
                return CompletableFuture.completedFuture(partitions);
            }
            markers.add(new Marker(pid, epoch, commit, partitions));
            return CompletableFuture.completedFuture(Set.of());
        }, groups);
    }

    private ProducerIdAndEpoch init(String id) {
        return coordinator.initProducerId(id, 30_000, -1, (short) -1).join();
    }

    private Errors add(String id, ProducerIdAndEpoch p, boolean v2, TopicPartition... partitions) {
        return coordinator.addPartitions(id, p.producerId(), p.producerEpoch(), Set.of(partitions), v2).join();
    }

    private ProducerIdAndEpoch end(String id, ProducerIdAndEpoch p, boolean commit, boolean v2) {
        return coordinator.endTransaction(id, p.producerId(), p.producerEpoch(), commit, v2).join();
    }

    private String state(String id) {
        return coordinator.describe(List.of(id)).join().get(0).transactionState();
    }

    @Test
    void transactionsV2BumpTheEpochAtEveryEndSoALateEndCannotTouchTheNextTransaction() {
        ProducerIdAndEpoch p = init("a");
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 0), p);
        assertEquals(Errors.NONE, add("a", p, true, TP0, TP1));
        ProducerIdAndEpoch next = end("a", p, true, true);
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 1), next, "EndTxn v5 returns the bumped epoch");
        assertEquals(List.of(new Marker(100, (short) 1, true, Set.of(TP0, TP1))), markers, "markers carry the new epoch");
        assertEquals("CompleteCommit", state("a"));
        assertEquals(next, end("a", p, true, true), "a retried commit is answered as it was");
        assertEquals(Errors.INVALID_TXN_STATE, end("a", p, false, true).error(), "a late abort of the committed transaction");

        assertEquals(Errors.NONE, add("a", next, true, TP0));
        assertEquals(Errors.PRODUCER_FENCED, end("a", p, false, true).error(), "a late abort never ends the next transaction");
        assertEquals(Errors.NONE, end("a", next, false, true).error());
        assertEquals(new Marker(100, (short) 2, false, Set.of(TP0)), markers.get(1));
    }

    @Test
    void aTransactionsV2AbortBeforeAnyPartitionJoinedBumpsTheEpoch() {
        // Kafka 4 table (KIP-890): Empty/CompleteCommit/CompleteAbort with the current epoch, abort = epoch bump
        ProducerIdAndEpoch p = init("a");
        ProducerIdAndEpoch e1 = end("a", p, false, true);
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 1), e1, "abort in Empty: bumped");
        assertEquals("CompleteAbort", state("a"));
        assertEquals(e1, end("a", p, false, true), "a retried abort is answered as it was");
        assertEquals(Errors.INVALID_TXN_STATE, end("a", p, true, true).error(), "a commit of the aborted transaction");
        assertEquals(Errors.PRODUCER_FENCED, add("a", p, true, TP0), "the produce that raced the abort is fenced");

        ProducerIdAndEpoch e2 = end("a", e1, false, true);
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 2), e2, "abort in CompleteAbort with the current epoch: bumped");
        assertEquals(Errors.NONE, add("a", e2, true, TP0));
        ProducerIdAndEpoch e3 = end("a", e2, true, true);
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 3), e3);
        assertEquals(Errors.INVALID_TXN_STATE, end("a", e3, true, true).error(), "a commit with no partition is not a transaction");
        ProducerIdAndEpoch e4 = end("a", e3, false, true);
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 4), e4, "abort in CompleteCommit with the current epoch: bumped");
        assertEquals(Errors.PRODUCER_FENCED, end("a", new ProducerIdAndEpoch(Errors.NONE, 100, (short) 5), false, true).error(),
                "a future epoch");
        assertEquals(List.of(new Marker(100, (short) 3, true, Set.of(TP0))), markers, "the empty aborts wrote no marker");
    }

    @Test
    void theOriginalProtocolRefusesAnEndWithoutATransaction() {
        ProducerIdAndEpoch p = init("a");
        assertEquals(Errors.INVALID_TXN_STATE, end("a", p, false, false).error(), "Kafka's TV1 rule: Empty accepts no end");
        assertEquals(Errors.PRODUCER_FENCED, end("a", new ProducerIdAndEpoch(Errors.NONE, 100, (short) 1), false, false).error());
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, end("a", new ProducerIdAndEpoch(Errors.NONE, 7, (short) 0), false, false).error());
    }

    @Test
    void theOriginalProtocolKeepsTheEpoch() {
        ProducerIdAndEpoch p = init("a");
        assertEquals(Errors.NONE, add("a", p, false, TP0));
        assertEquals(Errors.NONE, coordinator.verifyPartitions("a", p.producerId(), p.producerEpoch(), Set.of(TP0, TP1)).join().get(TP0));
        assertEquals(Errors.TRANSACTION_ABORTABLE, coordinator.verifyPartitions("a", p.producerId(), p.producerEpoch(), Set.of(TP1)).join().get(TP1));
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 0), end("a", p, true, false));
        assertEquals(List.of(new Marker(100, (short) 0, true, Set.of(TP0))), markers);
        assertEquals(Errors.INVALID_TXN_STATE, end("a", p, false, false).error());
    }

    @Test
    void theEndRequestsVersionDecidesTheBump() {
        ProducerIdAndEpoch p = init("a");
        assertEquals(Errors.NONE, add("a", p, true, TP0)); // a Produce v12+ added the partition
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 0), end("a", p, true, false), "EndTxn v4: no bump");
        assertEquals(Errors.NONE, add("a", p, false, TP0), "the producer goes on with its epoch");
    }

    @Test
    void aNewProducerFencesTheOldOneAndAbortsItsTransaction() {
        ProducerIdAndEpoch old = init("a");
        add("a", old, false, TP0);
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, init("a").error(), "the open transaction is aborted first");
        assertEquals(List.of(new Marker(100, (short) 1, false, Set.of(TP0))), markers, "aborted with the fencing epoch");
        ProducerIdAndEpoch fresh = init("a");
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 2), fresh);
        assertEquals(Errors.PRODUCER_FENCED, add("a", old, false, TP1));
        assertEquals(Errors.PRODUCER_FENCED, end("a", old, true, false).error());
        assertEquals(Errors.PRODUCER_FENCED, coordinator.initProducerId("a", 30_000, 100, (short) 0).join().error(), "KIP-360 with a stale epoch");
        assertEquals(new ProducerIdAndEpoch(Errors.NONE, 100, (short) 3), coordinator.initProducerId("a", 30_000, 100, (short) 2).join());
    }

    @Test
    void timeoutsAreCheckedAgainstTheMaximum() {
        assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, coordinator.initProducerId("a", 60_001, -1, (short) -1).join().error());
        assertEquals(Errors.INVALID_REQUEST, coordinator.initProducerId("", 1000, -1, (short) -1).join().error());
    }

    @Test
    void anOpenTransactionIsAbortedAfterItsTimeout() {
        ProducerIdAndEpoch p = coordinator.initProducerId("a", 5000, -1, (short) -1).join();
        add("a", p, true, TP0);
        scheduler.sleep(4000);
        assertEquals("Ongoing", state("a"));
        scheduler.sleep(2000);
        assertEquals("CompleteAbort", state("a"));
        assertEquals(List.of(new Marker(100, (short) 2, false, Set.of(TP0))), markers, "V2: fenced, and bumped by the abort, as Kafka");
        assertEquals(Errors.PRODUCER_FENCED, add("a", p, true, TP0), "the timed-out producer is fenced");
        assertEquals(Errors.PRODUCER_FENCED, end("a", p, false, true).error(), "its late abort is not taken for a retry");
    }

    @Test
    void aPreparedEndIsFinishedAfterARestart() {
        ProducerIdAndEpoch p = init("a");
        add("a", p, false, TP0, TP1);
        markersFail = true;
        assertEquals(Errors.NONE, end("a", p, true, false).error(), "the decision is durable; markers are retried");
        assertEquals("PrepareCommit", state("a"));
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, add("a", p, false, TP0));
        markersFail = false;
        coordinator = newCoordinator(); // a restart over the same table
        assertEquals(List.of(new Marker(100, (short) 0, true, Set.of(TP0, TP1))), markers);
        assertEquals("CompleteCommit", state("a"));
    }

    @Test
    void offsetsOfATransactionCountOnlyWhenItCommits() {
        ProducerIdAndEpoch p = init("a");
        Map<TopicPartition, CommittedOffset> offsets = Map.of(TP0, new CommittedOffset(42, -1, "", 1));
        Object result = coordinator.commitOffsets("a", p.producerId(), p.producerEpoch(), "g", true, e -> e,
                () -> groups.commitTransactionalOffsets("g", p.producerId(), -1, "", null, offsets).thenApply(r -> r.get(TP0))).join();
        assertEquals(Errors.NONE, result);
        assertEquals(CommittedOffset.UNSTABLE, fetch(true), "require_stable: pending");
        assertEquals(-1, fetch(false).offset(), "not committed yet");
        end("a", p, true, true);
        assertEquals(42, fetch(true).offset());
        assertTrue(state("a").equals("CompleteCommit"));
    }

    private CommittedOffset fetch(boolean requireStable) {
        @SuppressWarnings("unchecked")
        Map<TopicPartition, CommittedOffset> r = (Map<TopicPartition, CommittedOffset>) groups.fetchOffsets(
                List.of(new GroupCoordinator.OffsetRequest("g", null, -1, List.of(TP0), requireStable))).join().get("g");
        return r.get(TP0);
    }

    @Test
    void idleIdsExpire() {
        init("a");
        scheduler.sleep(3_600_000 + 600_000);
        assertEquals(Errors.TRANSACTIONAL_ID_NOT_FOUND.code(), coordinator.describe(List.of("a")).join().get(0).errorCode());
        assertEquals(0, table.size());
    }
}
