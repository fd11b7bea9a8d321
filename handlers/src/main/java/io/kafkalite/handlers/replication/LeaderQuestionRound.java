package io.kafkalite.handlers.replication;

import io.kafkalite.logstore.LogStore;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the fetcher thread's rounds that ask the leader about some of its partitions share ({@link TruncationRound},
 * {@link OutOfRangeRound}): the thread, the leader's client and the log store, and taking the answers under the
 * thread's lock for the partitions still in the state they were asked in.
 */
abstract class LeaderQuestionRound {
    final ReplicaFetcherThread thread;
    final int nodeId;
    final InterBrokerClient client;
    final LogStore store;

    LeaderQuestionRound(ReplicaFetcherThread thread, int nodeId, InterBrokerClient client, LogStore store) {
        this.thread = thread;
        this.nodeId = nodeId;
        this.client = client;
        this.store = store;
    }

    /**
     * Under the thread's lock, for each asked partition not followed anew or removed while the leader was asked: its
     * answer's error ({@code errorOf}) goes to the thread's error handling ({@code request} names the request), an
     * answer without error to {@code apply}.
     */
    final void takeAnswers(Map<TopicPartition, PartitionFetchState> asked, String request, Function<TopicPartition, Errors> errorOf,
                           BiConsumer<TopicPartition, PartitionFetchState> apply) {
        thread.lock().lock();
        try {
            asked.forEach((tp, s) -> {
                if (!s.equals(thread.states().get(tp))) {
                    return;
                }
                Errors error = errorOf.apply(tp);
                if (error == Errors.NONE) {
                    apply.accept(tp, s);
                } else {
                    thread.onPartitionError(tp, s, error, request);
                }
            });
        } finally {
            thread.lock().unlock();
        }
    }
}
