package io.kafkalite.groups;

/** The states of a classic group, named as DescribeGroups and ListGroups report them. */
public enum ClassicGroupState {
    /**
     * No members; the group may still have committed offsets. JoinGroup starts a rebalance (after
     * {@code group.initial.rebalance.delay.ms}); OffsetCommit with generation -1 is allowed; SyncGroup and
     * Heartbeat get UNKNOWN_MEMBER_ID. Next: PreparingRebalance, Dead.
     */
    EMPTY("Empty"),
    /**
     * Waiting for every member to (re)join, up to the rebalance timeout. JoinGroup parks until the join
     * completes; Heartbeat and SyncGroup get REBALANCE_IN_PROGRESS. Next: CompletingRebalance, Empty.
     */
    PREPARING_REBALANCE("PreparingRebalance"),
    /**
     * The join completed; waiting for the leader's SyncGroup with the assignment. SyncGroup of
     * followers parks; OffsetCommit gets REBALANCE_IN_PROGRESS. Next: Stable, PreparingRebalance.
     */
    COMPLETING_REBALANCE("CompletingRebalance"),
    /** Members have their assignments. A join with changed metadata, a leave or an expiry rebalances. Next: PreparingRebalance. */
    STABLE("Stable"),
    /** Deleted. Requests get COORDINATOR_NOT_AVAILABLE. Final. */
    DEAD("Dead");

    public final String kafkaName;

    ClassicGroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }
}
