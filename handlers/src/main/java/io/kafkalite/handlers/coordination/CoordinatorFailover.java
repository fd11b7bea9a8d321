package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.groups.CoordinatorThread;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TopicsView;
import io.kafkalite.groups.TransactionConfig;
import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.groups.TransactionMarkers;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the group and transaction coordinators with the {@link CoordinatorSeat} (the quorum's leadership on combined
 * nodes): when this node takes the seat (as leader: with every earlier record applied), it loads fresh coordinators from its replicated tables, exactly as a restart loads
 * them (groups with members come back at their generation, prepared transaction ends are finished, open transactions
 * are aborted at their timeout), and starts serving; when it loses the leadership it closes them without writing
 * anything (calls in flight answer NOT_COORDINATOR). Loading runs on a thread of its own, never on the quorum's.
 *
 * <p>Before loading, the new holder raises the coordinator epoch through the quorum ({@link MetadataRecord.CoordinatorEpoch},
 * a leader's Raft term, a broker's one above the current) and its coordinators write with that epoch: a write the previous coordinator proposed just before the
 * leadership moved, committed only after the raise, is refused at apply time on every node (its client is told
 * NOT_COORDINATOR), so no table holds what the new coordinators did not load.
 */
public final class CoordinatorFailover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorFailover.class);

    /** The tables of the coordinators' state. */
    public static final String GROUP_OFFSETS = "group_offsets";
    public static final String GROUP_METADATA = "group_metadata";
    public static final String TRANSACTIONS = "transactions";

    /** What a coordinator is built from; the same for every load. */
    public record Settings(GroupConfig groups, TransactionConfig transactions, TopicsView topics, TransactionMarkers markers) { }

    /** How long one attempt to raise the coordinator epoch may take, and the pause before the next. */
    private static final long RAISE_TIMEOUT_MS = 10_000;
    private static final long RAISE_RETRY_MS = 500;

    private final MetadataQuorum quorum;
    private final CoordinatorSeat seat;
    private final ReplicatedTables tables;
    private final Coordinators coordinators;
    private final Settings settings;
    private final LongSupplier producerIds;
    /** The epoch the active coordinators loaded at; -1 while none are. */
    private volatile long loadedEpoch = -1;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "coordinator-failover");
        t.setDaemon(true);
        return t;
    });

    private CoordinatorFailover(MetadataQuorum quorum, CoordinatorSeat seat, ReplicatedTables tables, Coordinators coordinators,
                                Settings settings, LongSupplier producerIds) {
        this.quorum = quorum;
        this.seat = seat;
        this.tables = tables;
        this.coordinators = coordinators;
        this.settings = settings;
        this.producerIds = producerIds;
    }

    /**
     * Starts following the coordinator seat (the quorum's leadership on combined nodes).
     *
     * @param coordinators inactive until this node holds the seat (see {@link Coordinators#Coordinators})
     * @param producerIds  the cluster-wide producer ids ({@link QuorumProducerIds})
     */
    public static CoordinatorFailover start(MetadataQuorum quorum, CoordinatorSeat seat, ReplicatedTables tables, Coordinators coordinators,
                                            Settings settings, LongSupplier producerIds) {
        CoordinatorFailover failover = new CoordinatorFailover(quorum, seat, tables, coordinators, settings, producerIds);
        seat.onChange(failover::leadershipChanged);
        if (seat.retakesWhenPassed()) {
            quorum.subscribe(failover::retakeWhenPassed);
        }
        return failover;
    }

    private void leadershipChanged(boolean leader) { // leader = holds the coordinator seat
        try {
            thread.execute(leader ? this::load : this::stop); // in order, so a quick loss after a win ends inactive
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.debug("Leadership change after close ignored");
        }
    }

    /** A leader whose coordinator epoch another node passed loads again above it (on the apply thread: only queues). */
    private void retakeWhenPassed(MetadataImage image) {
        long loaded = loadedEpoch;
        if (loaded >= 0 && image.coordinatorEpoch() > loaded && seat.isHere()) {
            loadedEpoch = -1;
            log.info("Coordinator epoch {} passed by {} while this node holds the seat: loading again", loaded, image.coordinatorEpoch());
            leadershipChanged(true);
        }
    }

    private void load() {
        if (!seat.isHere()) {
            return; // lost again before it could load: the loss is queued (or done) already
        }
        long start = System.nanoTime();
        coordinators.deactivate();
        coordinators.loading(true);
        GroupCoordinator groups = null;
        try {
            long raised = raiseCoordinatorEpoch(seat.takeoverEpoch());
            if (raised < 0) {
                return;
            }
            int epoch = (int) Math.min(Integer.MAX_VALUE, raised);
            groups = new GroupCoordinator(new CoordinatorThread(), settings.groups(), tables.coordinatorMap(GROUP_OFFSETS, raised),
                    tables.coordinatorMap(GROUP_METADATA, raised), settings.topics());
            TransactionCoordinator txns = new TransactionCoordinator(new CoordinatorThread("transaction-coordinator"),
                    settings.transactions(), tables.coordinatorMap(TRANSACTIONS, raised), producerIds, settings.markers(), groups, epoch);
            coordinators.activate(groups, txns);
            loadedEpoch = raised;
            log.info("This node holds the coordinator seat (epoch {}): coordinating groups and transactions, loaded in {} ms",
                    epoch, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (RuntimeException e) {
            log.error("Loading the coordinators failed; this node answers NOT_COORDINATOR", e);
            if (groups != null) {
                groups.close();
            }
        } finally {
            coordinators.loading(false);
        }
    }

    /**
     * Proposes the coordinator epoch {@code epoch} and waits until it is applied here (then every earlier write is in
     * the local tables, and every later one of an older epoch is refused). Retried while this node holds the seat;
     * one refused (another node raised it meanwhile) is retried above the current. Returns the epoch raised to, or -1
     * when the seat moved on.
     */
    private long raiseCoordinatorEpoch(long epoch) {
        while (seat.isHere()) {
            try {
                MetadataQuorum.ApplyResult result = quorum.submit(new MetadataRecord.CoordinatorEpoch(epoch))
                        .get(RAISE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (result.error() == Errors.NONE) {
                    return epoch;
                }
                log.info("Coordinator epoch {} refused ({}); trying above the current one while this node holds the seat",
                        epoch, result.message());
                epoch = seat.takeoverEpoch();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            } catch (ExecutionException | TimeoutException e) {
                log.warn("Raising the coordinator epoch to {} failed; retrying while this node holds the seat", epoch, e);
                try {
                    Thread.sleep(RAISE_RETRY_MS);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
        }
        return -1;
    }

    private void stop() {
        loadedEpoch = -1;
        if (coordinators.isActive()) {
            coordinators.deactivate();
            log.info("This node no longer holds the coordinator seat: it stopped coordinating groups and transactions");
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        coordinators.deactivate();
    }
}
