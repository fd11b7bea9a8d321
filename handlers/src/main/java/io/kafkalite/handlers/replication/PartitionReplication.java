package io.kafkalite.handlers.replication;

import io.kafkalite.cluster.PartitionState;
import io.kafkalite.logstore.PartitionLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.IntPredicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * One partition this node is a replica of: its role as the latest image says, and, while it leads, what the
 * leader knows of each follower (Kafka's Partition and its remote replicas' state). The rules are Kafka's
 * (Partition.scala): the high watermark is the least log end of the ISR, counting a proposed new member at once
 * (the "maximal ISR", so the high watermark never overtakes a replica the controller may already count in sync);
 * a follower joins when its log end reaches the high watermark and the current leader epoch's start; a member
 * leaves when it has not caught up with the leader's log end for {@code replica.lag.time.max.ms}.
 *
 * <p>The methods here are pure bookkeeping (no I/O, no quorum calls) under this object's monitor; the caller
 * ({@link ReplicaManager}) acts on what they return.
 */
final class PartitionReplication {
    /** What the leader knows of one follower. */
    static final class Follower {
        long logEndOffset = -1;
        long lastCaughtUpMs;
        long lastFetchMs;
        /** The leader's log end at this follower's previous fetch. */
        long lastFetchLeaderLogEnd = -1;
    }

    final TopicPartition tp;
    final Uuid topicId;
    final PartitionLog log;
    private final int nodeId;
    private int leaderId = PartitionState.NO_LEADER;
    private int leaderEpoch = -1;
    private int partitionEpoch = -1;
    private List<Integer> replicas = List.of();
    private List<Integer> isr = List.of();
    private long leaderEpochStartOffset;
    private final Map<Integer, Follower> followers = new HashMap<>();
    /** An ISR this leader proposed that no image has answered yet; null when none is in flight. */
    private List<Integer> pendingIsr;
    private final PriorityQueue<ParkedProduce> parked = new PriorityQueue<>((a, b) -> Long.compare(a.requiredOffset, b.requiredOffset));

    PartitionReplication(TopicPartition tp, Uuid topicId, PartitionLog log, int nodeId) {
        this.tp = tp;
        this.topicId = topicId;
        this.log = log;
        this.nodeId = nodeId;
    }

    synchronized boolean isLeader() {
        return leaderId == nodeId;
    }

    synchronized int leaderEpoch() {
        return leaderEpoch;
    }

    synchronized int partitionEpoch() {
        return partitionEpoch;
    }

    /**
     * Kafka's effective min.insync.replicas: the topic's {@code configured} value, at most the replication factor (a
     * topic of fewer replicas than min.insync.replicas still takes acks=all writes, as on Kafka).
     */
    synchronized int effectiveMinIsr(int configured) {
        return Math.min(configured, Math.max(1, replicas.size()));
    }

    synchronized List<Integer> isr() {
        return isr;
    }

    synchronized List<Integer> pendingIsr() {
        return pendingIsr;
    }

    synchronized long leaderEpochStartOffset() {
        return leaderEpochStartOffset;
    }

    synchronized Follower follower(int id) {
        return followers.get(id);
    }

    /** Whether {@code ps} makes this node leader anew: it did not lead, or led at another epoch. */
    synchronized boolean becomesLeader(PartitionState ps) {
        return ps.leader() == nodeId && (leaderId != nodeId || leaderEpoch != ps.leaderEpoch());
    }

    /** Whether {@code ps} makes this node follow anew: it led, or followed another leader or epoch. */
    synchronized boolean becomesFollower(PartitionState ps) {
        return ps.leader() != nodeId && (leaderId == nodeId || leaderId != ps.leader() || leaderEpoch != ps.leaderEpoch());
    }

    /**
     * This node leads from now on, its log ending at {@code logEnd}: every follower's log end is unknown again;
     * ISR members count as caught up now (so they are not dropped before they could fetch), others never.
     */
    synchronized void becameLeader(PartitionState ps, long logEnd, long nowMs) {
        take(ps);
        leaderEpochStartOffset = logEnd;
        pendingIsr = null;
        followers.clear();
        for (int id : replicas) {
            if (id != nodeId) {
                Follower f = new Follower();
                f.lastCaughtUpMs = isr.contains(id) ? nowMs : 0;
                followers.put(id, f);
            }
        }
    }

    synchronized void becameFollower(PartitionState ps) {
        take(ps);
        pendingIsr = null;
        followers.clear();
    }

    /** Same role and epoch: the ISR or the replicas may have changed (an answered proposal, a reassignment). */
    synchronized void update(PartitionState ps, long nowMs) {
        if (ps.partitionEpoch() != partitionEpoch) {
            pendingIsr = null; // answered (or overtaken): the next fetch or lag check proposes again if still needed
        }
        take(ps);
        if (leaderId == nodeId) {
            followers.keySet().retainAll(replicas);
            for (int id : replicas) {
                if (id != nodeId && !followers.containsKey(id)) {
                    followers.put(id, new Follower());
                }
            }
        }
    }

    private void take(PartitionState ps) {
        leaderId = ps.leader();
        leaderEpoch = ps.leaderEpoch();
        partitionEpoch = ps.partitionEpoch();
        replicas = ps.replicas();
        isr = ps.isr();
    }

    /**
     * A fetch by follower {@code id} at {@code fetchOffset} while the leader's log ended at {@code leaderLogEnd}
     * (Kafka's updateFetchState): the fetch offset is its log end; it caught up now if it reached the leader's
     * end, or as of its previous fetch if it reached the leader's end of then.
     * @return false if {@code id} is not a follower of this partition (or this node does not lead it)
     */
    synchronized boolean followerFetched(int id, long fetchOffset, long leaderLogEnd, long nowMs) {
        Follower f = leaderId == nodeId ? followers.get(id) : null;
        if (f == null) {
            return false;
        }
        if (fetchOffset >= leaderLogEnd) {
            f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, nowMs);
        } else if (fetchOffset >= f.lastFetchLeaderLogEnd) {
            f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
        }
        f.logEndOffset = fetchOffset;
        f.lastFetchLeaderLogEnd = leaderLogEnd;
        f.lastFetchMs = nowMs;
        return true;
    }

    /** The high watermark the ISR allows: the least log end of the leader and the maximal ISR's followers. */
    synchronized long highWatermarkBound(long leaderLogEnd) {
        long hw = leaderLogEnd;
        for (int id : maximalIsr()) {
            Follower f = followers.get(id);
            if (id != nodeId && f != null) {
                hw = Math.min(hw, f.logEndOffset);
            }
        }
        return hw;
    }

    private Set<Integer> maximalIsr() {
        Set<Integer> all = new LinkedHashSet<>(isr);
        if (pendingIsr != null) {
            all.addAll(pendingIsr);
        }
        return all;
    }

    /**
     * The ISR to propose with follower {@code id} added (Kafka's maybeExpandIsr), or null: it must be a replica out
     * of the ISR, eligible (an unfenced broker), with no proposal in flight, and its log end must have reached
     * both the high watermark and the start of this leader epoch.
     */
    synchronized List<Integer> expansion(int id, long highWatermark, IntPredicate eligible) {
        Follower f = followers.get(id);
        if (leaderId != nodeId || pendingIsr != null || f == null || isr.contains(id) || !eligible.test(id)
                || f.logEndOffset < highWatermark || f.logEndOffset < leaderEpochStartOffset) {
            return null;
        }
        List<Integer> next = new ArrayList<>(isr);
        next.add(id);
        return next;
    }

    /**
     * The ISR to propose without the followers that have not caught up with the leader's log end for
     * {@code maxLagMs} (Kafka's maybeShrinkIsr), or null when all are in sync or a proposal is in flight.
     */
    synchronized List<Integer> shrinkage(long leaderLogEnd, long nowMs, long maxLagMs) {
        if (leaderId != nodeId || pendingIsr != null) {
            return null;
        }
        List<Integer> next = new ArrayList<>();
        for (int id : isr) {
            Follower f = followers.get(id);
            boolean inSync = id == nodeId || (f != null && (f.logEndOffset == leaderLogEnd || nowMs - f.lastCaughtUpMs <= maxLagMs));
            if (inSync) {
                next.add(id);
            }
        }
        return next.size() == isr.size() ? null : next;
    }

    /** Marks {@code next} as proposed; false if another proposal is in flight. */
    synchronized boolean propose(List<Integer> next) {
        if (pendingIsr != null) {
            return false;
        }
        pendingIsr = List.copyOf(next);
        return true;
    }

    /** The proposal of {@code proposed} failed (a stale epoch, no quorum): the next image or check decides again. */
    synchronized void proposalFailed(List<Integer> proposed) {
        if (proposed.equals(pendingIsr)) {
            pendingIsr = null;
        }
    }

    /** Parks an acks=all produce appended at {@code epoch}; false (not parked) when this node no longer leads at it. */
    synchronized boolean park(ParkedProduce p, int epoch) {
        if (leaderId != nodeId || leaderEpoch != epoch) {
            return false;
        }
        parked.add(p);
        return true;
    }

    /**
     * The parked produces the high watermark {@code hw} completes, with their outcome (Kafka's
     * checkEnoughReplicasReachOffset): NONE if the ISR still has min.insync.replicas members, else
     * NOT_ENOUGH_REPLICAS_AFTER_APPEND. Removed from this partition.
     */
    synchronized List<Map.Entry<ParkedProduce, Errors>> reached(long hw) {
        List<Map.Entry<ParkedProduce, Errors>> done = new ArrayList<>();
        while (!parked.isEmpty() && parked.peek().requiredOffset <= hw) {
            ParkedProduce p = parked.poll();
            done.add(Map.entry(p, isr.size() >= p.minIsr ? Errors.NONE : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND));
        }
        return done;
    }

    /** Removes and returns every parked produce (leadership lost). */
    synchronized List<ParkedProduce> drainParked() {
        List<ParkedProduce> all = new ArrayList<>(parked);
        parked.clear();
        return all;
    }

    synchronized void unpark(ParkedProduce p) {
        parked.remove(p);
    }

    /** Kafka's leader-epoch check of a request: FENCED_LEADER_EPOCH below ours, UNKNOWN_LEADER_EPOCH above; -1 skips it. */
    synchronized Errors epochError(int requestEpoch) {
        if (requestEpoch >= 0 && requestEpoch < leaderEpoch) {
            return Errors.FENCED_LEADER_EPOCH;
        }
        if (requestEpoch > leaderEpoch) {
            return Errors.UNKNOWN_LEADER_EPOCH;
        }
        return Errors.NONE;
    }

    /** The epoch check, then NOT_LEADER_OR_FOLLOWER unless this node leads. */
    synchronized Errors leaderError(int requestEpoch) {
        Errors e = epochError(requestEpoch);
        return e != Errors.NONE ? e : leaderId == nodeId ? Errors.NONE : Errors.NOT_LEADER_OR_FOLLOWER;
    }
}
