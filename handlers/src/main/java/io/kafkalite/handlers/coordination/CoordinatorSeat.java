package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Which node runs the group and transaction coordinators of a cluster (FindCoordinator's answer, where transactional
 * produces are verified), and the coordinator epoch a node takes them over with.
 * <ul>
 * <li>{@link #quorumLeader}: on the voters of a cluster of combined nodes ({@code process.roles=broker,controller}),
 * the quorum's leader, as ever.</li>
 * <li>{@link #fromImage}: on broker-only nodes ({@code process.roles=broker}). While a voter is registered as a broker
 * (combined voters), the quorum's leader: such a node never coordinates. Otherwise (controller-only voters, which serve
 * no clients) the unfenced broker of the lowest id. Every broker computes this from its image.</li>
 * </ul>
 * A holder takes over with an epoch above the image's (a leader: at least its Raft term), which the quorum accepts
 * only above the current one: of two nodes that both believed they held the seat (views a few records apart), the
 * later one fences the other's writes. A leader whose epoch was passed while it still leads takes over again
 * ({@link #retakesWhenPassed}): at a cluster's first start, a broker-only node may take the seat before any combined
 * voter registered.
 * A cluster mixing combined and controller-only voters is not supported: while a controller-only voter leads, the
 * combined nodes coordinate nothing.
 */
public final class CoordinatorSeat {
    private final MetadataQuorum quorum;
    private final boolean followsLeader;
    private final Set<Integer> voters;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private boolean here; // guarded by this

    private CoordinatorSeat(MetadataQuorum quorum, boolean followsLeader, Set<Integer> voters) {
        this.quorum = quorum;
        this.followsLeader = followsLeader;
        this.voters = Set.copyOf(voters);
        if (!followsLeader) { // a broker-only node never leads: whether it holds the seat depends on the image alone
            quorum.subscribe(image -> recheck());
        }
    }

    /** The coordinators follow the quorum's leadership (a node of a cluster of combined voters). */
    public static CoordinatorSeat quorumLeader(MetadataQuorum quorum) {
        return new CoordinatorSeat(quorum, true, Set.of());
    }

    /** The coordinators are on the node {@link #holder(MetadataImage, int, Set)} names (a broker-only node). */
    public static CoordinatorSeat fromImage(MetadataQuorum quorum, Set<Integer> voters) {
        return new CoordinatorSeat(quorum, false, voters);
    }

    /**
     * The quorum's leader while a voter is a registered broker (combined voters), else the unfenced broker of the
     * lowest id; -1 when there is none.
     */
    static int holder(MetadataImage image, int leaderId, Set<Integer> voters) {
        for (int voter : voters) {
            if (image.broker(voter) != null) {
                return leaderId;
            }
        }
        int lowest = -1;
        for (Map.Entry<Integer, BrokerRegistration> b : image.brokers().entrySet()) {
            if (!b.getValue().fenced() && (lowest < 0 || b.getKey() < lowest)) {
                lowest = b.getKey();
            }
        }
        return lowest;
    }

    /** The node id of the coordinators, -1 while there is none. */
    public int holder() {
        return followsLeader ? quorum.leaderId() : holder(quorum.image(), quorum.leaderId(), voters);
    }

    /** Whether the coordinators belong on this node now. */
    public boolean isHere() {
        return followsLeader ? quorum.isLeader() : holder() == quorum.nodeId();
    }

    /**
     * Told true when the seat came to this node (at once if it holds it now), false when it left; on a quorum thread:
     * keep it short.
     */
    public void onChange(Consumer<Boolean> listener) {
        if (followsLeader) {
            quorum.onLeadership(listener);
            return;
        }
        synchronized (this) {
            listeners.add(listener);
            if (here) {
                listener.accept(true);
            }
        }
        recheck();
    }

    /** The coordinator epoch to take over with: one above the image's, and for a leader at least its Raft term. */
    long takeoverEpoch() {
        long next = quorum.image().coordinatorEpoch() + 1;
        return followsLeader ? Math.max(next, quorum.describe().leaderEpoch()) : next;
    }

    /** Whether a holder whose epoch another node passed takes over again (a leader), or stays fenced until it leaves. */
    boolean retakesWhenPassed() {
        return followsLeader;
    }

    /** On the apply thread, after each record. */
    private synchronized void recheck() {
        boolean now = isHere();
        if (now != here) {
            here = now;
            listeners.forEach(l -> l.accept(now));
        }
    }
}
