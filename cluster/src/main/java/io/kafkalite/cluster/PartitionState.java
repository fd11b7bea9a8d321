package io.kafkalite.cluster;

import java.util.List;

/**
 * One partition's replication state as the controller decides it (Kafka's PartitionRecord /
 * PartitionChangeRecord): assigned replicas (the first is the preferred leader), the leader (-1: none),
 * its epoch, the in-sync replicas, the eligible leader replicas (KIP-966), and the partition epoch, bumped
 * on every change (AlterPartition's optimistic-concurrency check).
 *
 * @param elr          KIP-966 eligible leader replicas: members that left the ISR while it was below
 *                     min.insync.replicas (so they hold every committed record); leaders-to-be when the ISR is empty
 * @param adding       replicas being added by a reassignment (already in {@code replicas})
 * @param removing     replicas being removed by a reassignment (still in {@code replicas})
 * @param lastKnownElr the leader when the ISR became empty (Kafka's "last known leader" use of the field); cleared
 *                     once the partition has a leader again
 */
public record PartitionState(List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr, List<Integer> elr,
                             int partitionEpoch, List<Integer> adding, List<Integer> removing, List<Integer> lastKnownElr) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        elr = List.copyOf(elr);
        adding = List.copyOf(adding);
        removing = List.copyOf(removing);
        lastKnownElr = List.copyOf(lastKnownElr);
    }

    /** A partition with no last known ELR. */
    public PartitionState(List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr, List<Integer> elr,
                          int partitionEpoch, List<Integer> adding, List<Integer> removing) {
        this(replicas, leader, leaderEpoch, isr, elr, partitionEpoch, adding, removing, List.of());
    }

    /** A new partition: the first replica leads at epoch 0, every replica in sync. */
    public static PartitionState initial(List<Integer> replicas) {
        return new PartitionState(replicas, replicas.get(0), 0, replicas, List.of(), 0, List.of(), List.of());
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }
}
