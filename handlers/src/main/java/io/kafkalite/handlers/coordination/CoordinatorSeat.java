package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Which node runs the group and transaction coordinators of a cluster (FindCoordinator's answer, where transactional
 * produces are verified), and the coordinator epoch a node takes them over with.
 * <ul>
 * <li>{@link #quorumLeader}: on the voters of a cluster of combined nodes ({@code process.roles=broker,controller}),
 * the quorum's leader, which takes over with its Raft term, as ever.</li>
 * <li>{@link #fromImage}: on broker-only nodes ({@code process.roles=broker}). The quorum's leader while it is a
 * registered unfenced broker (combined voters: the same node as above); when it is not (a controller-only node
 * leads), the unfenced broker of the lowest id. Every broker computes this from its image and the leader it knows;
 * the holder takes over with the image's coordinator epoch + 1, which the quorum accepts only above the current one,
 * so of two brokers that both believed they held the seat (views a few records apart) the later one fences the other.</li>
 * </ul>
 * A cluster mixing combined and controller-only voters is not supported: while a controller-only voter leads, the
 * combined nodes coordinate nothing.
 */
public final class CoordinatorSeat implements AutoCloseable {
    /** How often a broker looks at the leader again (leader changes are not in the image). */
    private static final long RECHECK_MS = 500;

    private final MetadataQuorum quorum;
    private final boolean followsLeader;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService recheck;
    private boolean here; // guarded by this

    private CoordinatorSeat(MetadataQuorum quorum, boolean followsLeader) {
        this.quorum = quorum;
        this.followsLeader = followsLeader;
        if (followsLeader) {
            recheck = null;
            quorum.onLeadership(leader -> listeners.forEach(l -> l.accept(leader)));
        } else {
            recheck = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "coordinator-seat");
                t.setDaemon(true);
                return t;
            });
            quorum.subscribe(image -> recheck());
            recheck.scheduleWithFixedDelay(this::recheck, RECHECK_MS, RECHECK_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** The coordinators follow the quorum's leadership (a node of a cluster of combined voters). */
    public static CoordinatorSeat quorumLeader(MetadataQuorum quorum) {
        return new CoordinatorSeat(quorum, true);
    }

    /** The coordinators are on the broker {@link #holder(MetadataImage, int)} names (a broker-only node). */
    public static CoordinatorSeat fromImage(MetadataQuorum quorum) {
        return new CoordinatorSeat(quorum, false);
    }

    /**
     * The quorum's leader if it is a registered unfenced broker, else the unfenced broker of the lowest id; -1 when
     * there is none.
     */
    static int holder(MetadataImage image, int leaderId) {
        BrokerRegistration leader = leaderId < 0 ? null : image.broker(leaderId);
        if (leader != null && !leader.fenced()) {
            return leaderId;
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
        return followsLeader ? quorum.leaderId() : holder(quorum.image(), quorum.leaderId());
    }

    /** Whether the coordinators belong on this node now. */
    public boolean isHere() {
        return followsLeader ? quorum.isLeader() : holder() == quorum.nodeId();
    }

    /** Told true when the seat came to this node, false when it left (on a quorum or the seat's thread: keep it short). */
    public void onChange(Consumer<Boolean> listener) {
        listeners.add(listener);
    }

    /** The coordinator epoch to take over with: the leader's Raft term, or one above the image's. */
    long takeoverEpoch() {
        return followsLeader ? quorum.describe().leaderEpoch() : quorum.image().coordinatorEpoch() + 1;
    }

    /**
     * Whether {@code epoch}, refused as not above the current one, was this node's own already: a leader's term is its
     * own, so an equal current epoch means an earlier attempt (one that timed out) applied.
     */
    boolean alreadyTaken(long epoch) {
        return followsLeader && quorum.image().coordinatorEpoch() == epoch;
    }

    /** Whether a refused takeover is tried again with a new epoch (a broker still holding the seat), not given up (a deposed leader). */
    boolean retriesRefusal() {
        return !followsLeader;
    }

    private synchronized void recheck() {
        boolean now = isHere();
        if (now != here) {
            here = now;
            listeners.forEach(l -> l.accept(now));
        }
    }

    @Override
    public void close() {
        if (recheck != null) {
            recheck.shutdownNow();
        }
    }
}
