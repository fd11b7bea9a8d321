package io.kafkalite.handlers.replication;

import io.kafkalite.handlers.replication.LeaderRequests.EpochQuestion;
import io.kafkalite.handlers.replication.PartitionFetchState.Phase;
import io.kafkalite.logstore.LeaderEpochCache;
import io.kafkalite.logstore.LogStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The truncation step of a fetcher thread (KIP-101 / KIP-279): every partition that is truncating asks the leader,
 * with OffsetForLeaderEpoch, where its latest epoch ends there, and cuts its log by {@link Truncation}'s rule; a
 * log without epochs cuts at its high watermark without asking.
 */
final class TruncationRound extends LeaderQuestionRound {
    private static final Logger log = LoggerFactory.getLogger(TruncationRound.class);

    TruncationRound(ReplicaFetcherThread thread, int nodeId, InterBrokerClient client, LogStore store) {
        super(thread, nodeId, client, store);
    }

    void run() throws IOException {
        Map<TopicPartition, PartitionFetchState> asked = new LinkedHashMap<>();
        Map<TopicPartition, EpochQuestion> questions = new LinkedHashMap<>();
        thread.lock().lock();
        try {
            long now = System.currentTimeMillis();
            for (Map.Entry<TopicPartition, PartitionFetchState> e : thread.states().entrySet()) {
                PartitionFetchState s = e.getValue();
                if (!s.isReady(Phase.TRUNCATING, now)) {
                    continue;
                }
                int latest = s.log().latestEpoch();
                if (latest < 0) { // a log without epochs: only the high watermark is known to be safe
                    applyTruncation(e.getKey(), s, new Truncation.Decision(s.fetchOffset(), true));
                } else {
                    asked.put(e.getKey(), s);
                    questions.put(e.getKey(), new EpochQuestion(s.leaderEpoch(), latest));
                }
            }
        } finally {
            thread.lock().unlock();
        }
        if (asked.isEmpty()) {
            return;
        }
        OffsetsForLeaderEpochResponse response = client.send(LeaderRequests.epochRequest(nodeId, questions));
        Map<TopicPartition, EpochEndOffset> answers = LeaderRequests.epochAnswers(response);
        takeAnswers(asked, "OffsetForLeaderEpoch", tp -> {
            EpochEndOffset answer = answers.get(tp);
            return answer == null ? Errors.UNKNOWN_SERVER_ERROR : Errors.forCode(answer.errorCode());
        }, (tp, s) -> truncateByAnswer(tp, s, questions.get(tp).latestEpoch(), answers.get(tp)));
    }

    /** Under the lock: cuts where the leader's answer for the partition's latest epoch says. */
    private void truncateByAnswer(TopicPartition tp, PartitionFetchState s, int askedEpoch, EpochEndOffset answer) {
        LeaderEpochCache.EpochEnd own = s.log().endOffsetForEpoch(answer.leaderEpoch());
        Truncation.Decision decision = Truncation.truncationOffset(answer.leaderEpoch(), answer.endOffset(),
                own.epoch(), own.endOffset(), s.log().logEndOffset(), s.fetchOffset());
        log.info("{}: {} asked for epoch {}, the leader answered epoch {} ending at {}: truncating to {}{}", thread.getName(), tp,
                askedEpoch, answer.leaderEpoch(), answer.endOffset(), decision.offset(), decision.completed() ? "" : ", then asking again");
        applyTruncation(tp, s, decision);
    }

    /** Under the lock. */
    private void applyTruncation(TopicPartition tp, PartitionFetchState s, Truncation.Decision decision) {
        try {
            if (decision.offset() < s.log().logEndOffset()) {
                store.truncateTo(s.log(), decision.offset());
            }
            long end = s.log().logEndOffset(); // whole batches go: it may end below the offset asked
            thread.states().put(tp, decision.completed() ? s.fetchingAt(end) : s.truncatingAt(end));
        } catch (IOException | RuntimeException e) {
            thread.failed(tp, s, "truncating to " + decision.offset(), e);
        }
    }
}
