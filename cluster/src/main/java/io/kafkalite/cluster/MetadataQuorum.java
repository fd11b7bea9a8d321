package io.kafkalite.cluster;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * This node's view of the cluster metadata, replicated through Apache Ratis: the latest applied image, a way to
 * propose changes, and who the quorum's leader (Kafka's active controller) is.
 */
public interface MetadataQuorum extends AutoCloseable {
    /** The latest applied image (a volatile read). */
    MetadataImage image();

    /**
     * Proposes a record. The future completes once the record is committed AND applied on this node (so this
     * node's image shows its effect), with the apply's outcome: {@link ApplyResult#error()} is Kafka's error
     * when the record did not apply. It completes exceptionally (a retriable
     * {@link org.apache.kafka.common.errors.NotControllerException} or a timeout) when no quorum is reachable.
     * Never completes on a network thread; callers must not block on it in an event loop.
     */
    CompletableFuture<ApplyResult> submit(MetadataRecord record);

    /** Called after each applied record (on the apply thread: keep it short, hand real work to another thread). */
    void subscribe(Consumer<MetadataImage> listener);

    /**
     * Called with true when this node became the quorum's leader and has applied every record committed before its
     * term (so its image and durable maps are complete: the coordinators load from them), with false when it lost the
     * leadership. Called on a quorum thread: keep it short.
     */
    void onLeadership(Consumer<Boolean> listener);

    /** The node id of the quorum's leader (the active controller), -1 when there is none right now. */
    int leaderId();

    /** Whether this node is the quorum's leader. */
    default boolean isLeader() {
        return leaderId() == nodeId();
    }

    int nodeId();

    /** DescribeQuorum: the leader, its epoch (Raft term), the high watermark and each voter's progress. */
    QuorumInfo describe();

    @Override
    void close();

    /** The outcome of one applied record: Kafka's error code (NONE when it applied) and a message. */
    record ApplyResult(org.apache.kafka.common.protocol.Errors error, String message, long index, long producerIdStart) {
        public static ApplyResult ok(long index) {
            return new ApplyResult(org.apache.kafka.common.protocol.Errors.NONE, null, index, -1);
        }
    }

    /** What DescribeQuorum answers (Kafka's QuorumInfo). */
    record QuorumInfo(int leaderId, long leaderEpoch, long highWatermark, List<ReplicaProgress> voters,
                      List<ReplicaProgress> observers) { }

    /** @param lastFetchMs / lastCaughtUpMs -1 when unknown */
    record ReplicaProgress(int nodeId, long logEndOffset, long lastFetchMs, long lastCaughtUpMs) { }
}
