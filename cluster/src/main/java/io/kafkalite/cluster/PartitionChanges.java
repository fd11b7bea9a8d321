package io.kafkalite.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * The leader, ISR and ELR rules of Kafka's controller (its PartitionChangeBuilder with eligible leader replicas on, as
 * Kafka 4.1+ runs new clusters), as pure functions of a partition's state. A leader comes from the ISR, or from the
 * ELR (KIP-966) when the ISR is empty (both clean elections); the leader epoch moves when the leader changes, the
 * partition epoch on every change.
 */
final class PartitionChanges {
    /** No broker shut down uncleanly. */
    static final int NONE = -1;

    private PartitionChanges() { }

    /** The same partition with these fields: epochs bumped as Kafka bumps them; unchanged if nothing changed. */
    static PartitionState change(PartitionState p, List<Integer> replicas, int leader, List<Integer> isr, List<Integer> elr,
                                 List<Integer> lastKnownElr, List<Integer> adding, List<Integer> removing) {
        List<Integer> assignedElr = elr.stream().filter(replicas::contains).toList();
        if (p.replicas().equals(replicas) && p.leader() == leader && p.isr().equals(isr) && p.elr().equals(assignedElr)
                && p.lastKnownElr().equals(lastKnownElr) && p.adding().equals(adding) && p.removing().equals(removing)) {
            return p;
        }
        int leaderEpoch = leader != p.leader() ? p.leaderEpoch() + 1 : p.leaderEpoch();
        return new PartitionState(replicas, leader, leaderEpoch, isr, assignedElr, p.partitionEpoch() + 1, adding, removing,
                lastKnownElr);
    }

    static PartitionState change(PartitionState p, List<Integer> replicas, int leader, List<Integer> isr,
                                 List<Integer> adding, List<Integer> removing) {
        return change(p, replicas, leader, isr, p.elr(), p.lastKnownElr(), adding, removing);
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
     * The ELR once the ISR becomes {@code isr}: empty when the ISR holds at least {@code minIsr} members; else the
     * former ELR and ISR members not in the new ISR, but for a broker that shut down uncleanly (it may have lost
     * records). Sorted, so every node computes the same list.
     */
    static List<Integer> nextElr(PartitionState p, List<Integer> isr, int minIsr, int uncleanBroker) {
        if (isr.size() >= minIsr) {
            return List.of();
        }
        TreeSet<Integer> elr = new TreeSet<>(p.elr());
        elr.addAll(p.isr());
        elr.removeAll(isr);
        elr.remove(uncleanBroker);
        return List.copyOf(elr);
    }

    /** A clean leader: a member of the ISR, or of the ELR when the ISR is empty, that is acceptable. */
    private static boolean validLeader(int id, List<Integer> isr, List<Integer> elr, IntPredicate acceptable) {
        return (isr.contains(id) || (isr.isEmpty() && elr.contains(id))) && acceptable.test(id);
    }

    /**
     * The partition with ISR {@code isr} and ELR {@code elr}, led by its leader if still valid, else by the first valid
     * replica: one from the ELR becomes the sole ISR member. With ISR and ELR both empty the last known leader leads
     * again once acceptable (Kafka's balanced recovery; an unclean election: it alone forms the ISR). The last known
     * leader is recorded when the ISR empties and forgotten once the partition has a leader.
     */
    static PartitionState elect(PartitionState p, List<Integer> isr, List<Integer> elr, IntPredicate acceptable) {
        int leader = validLeader(p.leader(), isr, elr, acceptable) ? p.leader() : PartitionState.NO_LEADER;
        for (int i = 0; i < p.replicas().size() && leader == PartitionState.NO_LEADER; i++) {
            if (validLeader(p.replicas().get(i), isr, elr, acceptable)) {
                leader = p.replicas().get(i);
            }
        }
        List<Integer> lastKnown = p.lastKnownElr();
        if (leader == PartitionState.NO_LEADER && isr.isEmpty() && elr.isEmpty() && lastKnown.size() == 1
                && acceptable.test(lastKnown.get(0))) {
            leader = lastKnown.get(0);
            isr = List.of(leader);
        } else if (leader != PartitionState.NO_LEADER && !isr.contains(leader)) {
            isr = List.of(leader);
            elr = without(elr, leader);
        }
        if (leader != PartitionState.NO_LEADER) {
            lastKnown = List.of();
        } else if (isr.isEmpty() && !p.isr().isEmpty()) {
            // already leaderless (an image from before KIP-966 kept the last ISR member): that member
            lastKnown = List.of(p.hasLeader() ? p.leader() : p.isr().get(0));
        }
        return change(p, p.replicas(), leader, isr, elr, lastKnown, p.adding(), p.removing());
    }

    /**
     * A broker that leaves (fenced, restarted or shutting down): it leaves the ISR, even as its last member; while the
     * ISR is below {@code minIsr} the members that left it form the ELR, but for a broker that shut down uncleanly
     * (which also leaves the ELR). If it led, the next valid replica takes over.
     */
    static PartitionState withoutBroker(PartitionState p, int broker, boolean unclean, int minIsr, IntPredicate eligible) {
        if (!p.replicas().contains(broker)) {
            return p;
        }
        List<Integer> isr = without(p.isr(), broker);
        List<Integer> elr = nextElr(p, isr, minIsr, unclean ? broker : NONE);
        return elect(p, isr, elr, b -> b != broker && eligible.test(b));
    }

    /** A broker back in service: a leaderless partition gets it as leader if it is a valid one. */
    static PartitionState withBrokerBack(PartitionState p, IntPredicate eligible) {
        return p.hasLeader() ? p : elect(p, p.isr(), p.elr(), eligible);
    }

    /** The leader's AlterPartition: the new ISR, and the ELR it implies. */
    static PartitionState withIsr(PartitionState p, List<Integer> isr, int minIsr, IntPredicate eligible) {
        return elect(p, isr, nextElr(p, isr, minIsr, NONE), b -> b == p.leader() || eligible.test(b));
    }

    /** A new min.insync.replicas: an ISR that reaches it clears the ELR. */
    static PartitionState withMinIsr(PartitionState p, int minIsr, IntPredicate eligible) {
        return elect(p, p.isr(), nextElr(p, p.isr(), minIsr, NONE), eligible);
    }

    /** Preferred election: the first replica, if it is a valid leader and does not lead yet. */
    static PartitionState electPreferred(PartitionState p, IntPredicate eligible) {
        int preferred = p.replicas().get(0);
        if (p.leader() == preferred || !validLeader(preferred, p.isr(), p.elr(), eligible)) {
            return p;
        }
        return elect(p, p.isr(), p.elr(), b -> b == preferred);
    }

    /**
     * Unclean election of a leaderless partition: a clean leader if there is one, else any eligible replica, alone in
     * the new ISR, ELR and last known ELR cleared (it may lack committed records).
     */
    static PartitionState electUnclean(PartitionState p, IntPredicate eligible) {
        if (p.hasLeader()) {
            return p;
        }
        PartitionState clean = elect(p, p.isr(), p.elr(), eligible);
        if (clean.hasLeader()) {
            return clean;
        }
        int leader = electFromIsr(p.replicas(), p.replicas(), eligible);
        return leader == PartitionState.NO_LEADER ? p
                : change(p, p.replicas(), leader, List.of(leader), List.of(), List.of(), p.adding(), p.removing());
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
     * removed ones leave the ISR (and the ELR), and leadership moves if the leader was removed. Unchanged otherwise.
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
