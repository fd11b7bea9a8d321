package io.kafkalite.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The leader and ISR rules of Kafka's controller, as pure functions of a partition's state. Only ISR members become
 * leader (clean election); the leader epoch moves when the leader changes, the partition epoch on every change.
 */
final class PartitionChanges {
    private PartitionChanges() { }

    /** The same partition with a new ISR and leader: epochs bumped as Kafka bumps them; unchanged if nothing changed. */
    static PartitionState change(PartitionState p, List<Integer> replicas, int leader, List<Integer> isr,
                                 List<Integer> adding, List<Integer> removing) {
        if (p.replicas().equals(replicas) && p.leader() == leader && p.isr().equals(isr) && p.adding().equals(adding)
                && p.removing().equals(removing)) {
            return p;
        }
        int leaderEpoch = leader != p.leader() ? p.leaderEpoch() + 1 : p.leaderEpoch();
        return new PartitionState(replicas, leader, leaderEpoch, isr, p.elr(), p.partitionEpoch() + 1, adding, removing);
    }

    static PartitionState change(PartitionState p, int leader, List<Integer> isr) {
        return change(p, p.replicas(), leader, isr, p.adding(), p.removing());
    }

    /** The first replica, in assignment order, that is in {@code isr} and eligible; -1 when there is none. */
    static int electFromIsr(List<Integer> replicas, List<Integer> isr, IntPredicate eligible) {
        for (int r : replicas) {
            if (isr.contains(r) && eligible.test(r)) {
                return r;
            }
        }
        return PartitionState.NO_LEADER;
    }

    /**
     * A broker that leaves (fenced, restarted or shutting down): it leaves the ISR unless it is its last member (then
     * the partition keeps it, leaderless, waiting for it: unclean election is off); if it led, the first eligible ISR
     * member takes over.
     */
    static PartitionState withoutBroker(PartitionState p, int broker, IntPredicate eligible) {
        if (!p.replicas().contains(broker)) {
            return p;
        }
        List<Integer> isr = p.isr();
        if (isr.contains(broker) && isr.size() > 1) {
            isr = without(isr, broker);
        }
        int leader = p.leader();
        if (leader == broker || (leader != PartitionState.NO_LEADER && !eligible.test(leader))) {
            leader = electFromIsr(p.replicas(), isr, b -> b != broker && eligible.test(b));
        }
        return change(p, leader, isr);
    }

    /** A broker back in service: a leaderless partition whose ISR holds it gets it as leader. */
    static PartitionState withBrokerBack(PartitionState p, IntPredicate eligible) {
        if (p.hasLeader()) {
            return p;
        }
        return change(p, electFromIsr(p.replicas(), p.isr(), eligible), p.isr());
    }

    /** A new partition on these replicas: the eligible ones form the ISR, the first of them leads. */
    static PartitionState initial(List<Integer> replicas, IntPredicate eligible) {
        List<Integer> isr = replicas.stream().filter(eligible::test).toList();
        if (isr.isEmpty()) {
            return null;
        }
        return new PartitionState(replicas, isr.get(0), 0, isr, List.of(), 0, List.of(), List.of());
    }

    /**
     * Finishes a reassignment whose target replicas are all in the ISR: the replicas become exactly the target, the
     * removed ones leave the ISR, and leadership moves if the leader was removed. Unchanged otherwise.
     */
    static PartitionState maybeCompleteReassignment(PartitionState p, IntPredicate eligible) {
        if (p.adding().isEmpty() && p.removing().isEmpty()) {
            return p;
        }
        List<Integer> target = new ArrayList<>(p.replicas());
        target.removeAll(p.removing());
        if (!p.isr().containsAll(target)) {
            return p;
        }
        List<Integer> isr = new ArrayList<>(p.isr());
        isr.removeAll(p.removing());
        int leader = target.contains(p.leader()) ? p.leader() : electFromIsr(target, isr, eligible);
        return change(p, target, leader, isr, List.of(), List.of());
    }

    static List<Integer> without(List<Integer> list, int id) {
        List<Integer> copy = new ArrayList<>(list);
        copy.remove(Integer.valueOf(id));
        return copy;
    }
}
