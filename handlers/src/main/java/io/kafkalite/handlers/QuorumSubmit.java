package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.logstore.Topic;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/** Cluster mode: a change proposed to the quorum, its outcome as Kafka's error (the futures never fail). */
final class QuorumSubmit {
    private QuorumSubmit() { }

    /**
     * The record's outcome once it is applied on this node: NONE, the applier's error, or the quorum's failure
     * (NOT_CONTROLLER while there is no leader, REQUEST_TIMED_OUT) as the admin client expects them: retriable.
     */
    static CompletableFuture<ApiError> submit(MetadataQuorum quorum, MetadataRecord record) {
        CompletableFuture<MetadataQuorum.ApplyResult> applied;
        try {
            applied = quorum.submit(record);
        } catch (RuntimeException e) {
            applied = CompletableFuture.failedFuture(e);
        }
        return applied.handle((result, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                Errors error = Errors.forException(cause);
                return new ApiError(error == Errors.UNKNOWN_SERVER_ERROR ? Errors.REQUEST_TIMED_OUT : error, cause.getMessage());
            }
            return new ApiError(result.error(), result.message());
        });
    }

    /** A future that completes when all of {@code futures} have. */
    static CompletableFuture<Void> all(List<? extends CompletableFuture<?>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    }

    /** The image's topic as the log store's type (what config describers and validators take). */
    static Topic asTopic(TopicImage t) {
        return new Topic(t.name(), t.id(), t.partitions().size(), t.configs());
    }
}
