package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.groups.CoordinatorThread;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TopicsView;
import io.kafkalite.groups.TransactionConfig;
import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.groups.TransactionMarkers;
import io.kafkalite.logstore.DurableMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the group and transaction coordinators with the quorum's leadership: when this node becomes leader with
 * every earlier record applied, it loads fresh coordinators from its replicated tables, exactly as a restart loads
 * them (groups with members come back at their generation, prepared transaction ends are finished, open transactions
 * are aborted at their timeout), and starts serving; when it loses the leadership it closes them without writing
 * anything (calls in flight answer NOT_COORDINATOR). Loading runs on a thread of its own, never on the quorum's.
 */
public final class CoordinatorFailover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorFailover.class);

    /** The tables of the coordinators' state. */
    public static final String GROUP_OFFSETS = "group_offsets";
    public static final String GROUP_METADATA = "group_metadata";
    public static final String TRANSACTIONS = "transactions";

    /** What a coordinator is built from; the same for every load. */
    public record Settings(GroupConfig groups, TransactionConfig transactions, TopicsView topics, TransactionMarkers markers) { }

    private final MetadataQuorum quorum;
    private final Coordinators coordinators;
    private final Settings settings;
    private final DurableMap offsets;
    private final DurableMap groupMetadata;
    private final DurableMap transactions;
    private final LongSupplier producerIds;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "coordinator-failover");
        t.setDaemon(true);
        return t;
    });

    private CoordinatorFailover(MetadataQuorum quorum, ReplicatedTables tables, Coordinators coordinators, Settings settings,
                                LongSupplier producerIds) {
        this.quorum = quorum;
        this.coordinators = coordinators;
        this.settings = settings;
        this.producerIds = producerIds;
        this.offsets = tables.coordinatorMap(GROUP_OFFSETS);
        this.groupMetadata = tables.coordinatorMap(GROUP_METADATA);
        this.transactions = tables.coordinatorMap(TRANSACTIONS);
    }

    /**
     * Starts following the quorum's leadership.
     *
     * @param coordinators inactive until this node leads (see {@link Coordinators#Coordinators})
     * @param producerIds  the cluster-wide producer ids ({@link QuorumProducerIds})
     */
    public static CoordinatorFailover start(MetadataQuorum quorum, ReplicatedTables tables, Coordinators coordinators,
                                            Settings settings, LongSupplier producerIds) {
        CoordinatorFailover failover = new CoordinatorFailover(quorum, tables, coordinators, settings, producerIds);
        quorum.onLeadership(failover::leadershipChanged);
        return failover;
    }

    private void leadershipChanged(boolean leader) {
        try {
            thread.execute(leader ? this::load : this::stop); // in order, so a quick loss after a win ends inactive
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.debug("Leadership change after close ignored");
        }
    }

    private void load() {
        if (!quorum.isLeader()) {
            return; // lost again before it could load: the loss is queued (or done) already
        }
        long start = System.nanoTime();
        coordinators.deactivate();
        coordinators.loading(true);
        int epoch = (int) Math.min(Integer.MAX_VALUE, quorum.describe().leaderEpoch());
        GroupCoordinator groups = null;
        try {
            groups = new GroupCoordinator(new CoordinatorThread(), settings.groups(), offsets, groupMetadata, settings.topics());
            TransactionCoordinator txns = new TransactionCoordinator(new CoordinatorThread("transaction-coordinator"),
                    settings.transactions(), transactions, producerIds, settings.markers(), groups, epoch);
            coordinators.activate(groups, txns);
            log.info("This node leads the metadata quorum (epoch {}): coordinating groups and transactions, loaded in {} ms",
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

    private void stop() {
        if (coordinators.isActive()) {
            coordinators.deactivate();
            log.info("This node no longer leads the metadata quorum: it stopped coordinating groups and transactions");
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        coordinators.deactivate();
    }
}
