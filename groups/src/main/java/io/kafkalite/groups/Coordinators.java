package io.kafkalite.groups;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The group and transaction coordinators the handlers call, through one indirection so they can be swapped: on a
 * single broker they are loaded at start and always serve; in a cluster only the quorum leader's broker coordinates
 * (every group and transactional id), and it loads fresh coordinators from its replicated tables each time it becomes
 * leader ({@link #activate}) and closes them when it stops being leader ({@link #deactivate}). Between the two,
 * {@link #groups()} and {@link #transactions()} throw NOT_COORDINATOR, so clients find the new coordinator.
 */
public final class Coordinators implements AutoCloseable {
    private record Active(GroupCoordinator groups, TransactionCoordinator transactions) { }

    /** A transaction coordinator on another broker, as a partition leader asks it (KIP-890, inter-broker AddPartitionsToTxn). */
    public interface RemoteTransactions {
        /** Verifies ({@code verifyOnly}) or adds (Transactions V2) the partitions; the error per partition. */
        CompletableFuture<Map<TopicPartition, Errors>> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                                    Set<TopicPartition> partitions, boolean verifyOnly);
    }

    private final LongSupplier producerIds;
    private volatile Active active;
    private volatile RemoteTransactions remote;
    private volatile boolean loading;

    /** @param producerIds the producer ids InitProducerId hands out (unique across the cluster) */
    public Coordinators(LongSupplier producerIds) {
        this.producerIds = producerIds;
    }

    /** A single broker's coordinators: always active. */
    public static Coordinators of(GroupCoordinator groups, TransactionCoordinator transactions, LongSupplier producerIds) {
        Coordinators c = new Coordinators(producerIds);
        c.activate(groups, transactions);
        return c;
    }

    /** @throws NotCoordinatorException when this broker does not coordinate right now */
    public GroupCoordinator groups() {
        return current().groups;
    }

    /** @throws NotCoordinatorException when this broker does not coordinate right now */
    public TransactionCoordinator transactions() {
        return current().transactions;
    }

    /** The group coordinator if this broker coordinates now, else null (for metrics and listings, which skip it). */
    public GroupCoordinator groupsIfActive() {
        Active a = active;
        return a == null ? null : a.groups;
    }

    public boolean isActive() {
        return active != null;
    }

    /** In a cluster: the coordinator as reached from a broker that does not coordinate; null on a single broker. */
    public RemoteTransactions remote() {
        return remote;
    }

    public void remote(RemoteTransactions remote) {
        this.remote = remote;
    }

    /** A new producer id for InitProducerId (idempotent producers and new transactional ids). */
    public long newProducerId() {
        return producerIds.getAsLong();
    }

    private Active current() {
        Active a = active;
        if (a == null) {
            if (loading) { // clients retry here rather than look for another coordinator
                throw new CoordinatorLoadInProgressException("The coordinators are loading");
            }
            throw new NotCoordinatorException("This broker is not the coordinator (the quorum leader's broker coordinates)");
        }
        return a;
    }

    /** While true (this broker became the coordinator and loads its state), calls answer COORDINATOR_LOAD_IN_PROGRESS. */
    public void loading(boolean loading) {
        this.loading = loading;
    }

    /** Starts serving with these (freshly loaded) coordinators; closes any previous ones first. */
    public synchronized void activate(GroupCoordinator groups, TransactionCoordinator transactions) {
        deactivate();
        active = new Active(groups, transactions);
    }

    /** Stops serving: the coordinators are closed without writing anything; calls in flight fail with NOT_COORDINATOR. */
    public synchronized void deactivate() {
        Active a = active;
        active = null;
        if (a != null) {
            a.transactions.close();
            a.groups.close();
        }
    }

    @Override
    public void close() {
        deactivate();
    }
}
