package io.kafkalite.handlers.replication;

import io.kafkalite.logstore.LogStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's answer to OFFSET_OUT_OF_RANGE on a replica fetch, with the leader's log end and start (ListOffsets as a
 * replica): above the leader's log end (an unclean election) the follower truncates to it; below its log start
 * (the follower was away while the leader deleted) it starts over there; else it fetches on from its own end.
 */
final class OutOfRangeRound extends LeaderQuestionRound {
    private static final Logger log = LoggerFactory.getLogger(OutOfRangeRound.class);

    OutOfRangeRound(ReplicaFetcherThread thread, int nodeId, InterBrokerClient client, LogStore store) {
        super(thread, nodeId, client, store);
    }

    void run(Map<TopicPartition, PartitionFetchState> outOfRange) throws IOException {
        Map<TopicPartition, Integer> epochs = new LinkedHashMap<>();
        outOfRange.forEach((tp, s) -> epochs.put(tp, s.leaderEpoch()));
        ListOffsetsResponse ends = client.send(LeaderRequests.offsetsRequest(nodeId, epochs, ListOffsetsRequest.LATEST_TIMESTAMP));
        ListOffsetsResponse starts = client.send(LeaderRequests.offsetsRequest(nodeId, epochs, ListOffsetsRequest.EARLIEST_TIMESTAMP));
        Map<TopicPartition, ListOffsetsPartitionResponse> endAnswers = LeaderRequests.offsetAnswers(ends);
        Map<TopicPartition, ListOffsetsPartitionResponse> startAnswers = LeaderRequests.offsetAnswers(starts);
        takeAnswers(outOfRange, "ListOffsets", tp -> offsetsError(endAnswers.get(tp), startAnswers.get(tp)),
                (tp, s) -> resetFetchOffset(tp, s, endAnswers.get(tp).offset(), startAnswers.get(tp).offset()));
    }

    /** Under the lock. */
    private void resetFetchOffset(TopicPartition tp, PartitionFetchState s, long leaderEnd, long leaderStart) {
        try {
            long ownEnd = s.log().logEndOffset();
            if (leaderEnd < ownEnd) {
                log.warn("{}: {} ends at {} here but at {} on the leader: truncating to the leader's end", thread.getName(), tp, ownEnd, leaderEnd);
                store.truncateTo(s.log(), leaderEnd);
            } else if (leaderStart > ownEnd) {
                log.warn("{}: {} ends at {} here, before the leader's log start {}: starting over there", thread.getName(), tp, ownEnd, leaderStart);
                store.truncateFullyAndStartAt(s.log(), leaderStart);
            }
            long next = s.log().logEndOffset(); // a truncation cuts whole batches: it may end below the leader's end
            PartitionFetchState fetching = s.fetchingAt(next);
            // the same offset again (the leader's offsets moved meanwhile): not at once, never a hot loop
            thread.states().put(tp, next == s.fetchOffset() ? fetching.delayedUntil(thread.backoffDeadline()) : fetching);
        } catch (IOException | RuntimeException ex) {
            thread.failed(tp, s, "resetting its fetch offset", ex);
        }
    }

    private static Errors offsetsError(ListOffsetsPartitionResponse end, ListOffsetsPartitionResponse start) {
        if (end == null || start == null) {
            return Errors.UNKNOWN_SERVER_ERROR;
        }
        return end.errorCode() != Errors.NONE.code() ? Errors.forCode(end.errorCode()) : Errors.forCode(start.errorCode());
    }
}
