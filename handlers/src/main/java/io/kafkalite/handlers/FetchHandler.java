package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.ReadResult;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetch, v4-v18 (v13+ name topics by id, KIP-516).
 * <ul>
 * <li>Each partition returns segment bytes as stored (zero-copy), starting with the whole batch that
 *     holds the fetch offset; the client skips records before it. At most the partition's max bytes,
 *     and the request's max bytes in all, except that the first partition with data returns at least
 *     one whole batch (KIP-74).</li>
 * <li>Long poll: with fewer than {@code min_bytes} available the fetch waits up to {@code max_wait_ms},
 *     woken by appends to its partitions, not by polling.</li>
 * <li>OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset]; UNKNOWN_TOPIC_OR_PARTITION /
 *     UNKNOWN_TOPIC_ID for unknown topics; UNKNOWN_LEADER_EPOCH for a leader epoch from the future.</li>
 * <li>Fetch sessions (KIP-227): the broker declines every session (session id 0 in the answer), which
 *     the protocol allows; clients then send full fetches. An incremental fetch on a session id gets
 *     FETCH_SESSION_ID_NOT_FOUND.</li>
 * <li>read_committed returns the same data as read_uncommitted (no transactions yet), with an empty
 *     aborted-transaction list; the last stable offset is the high watermark.</li>
 * <li>Follower fetches (replica id >= 0) are served like consumer fetches: there are no followers yet.</li>
 * </ul>
 */
public final class FetchHandler implements Handler<FetchRequest> {
    private static final Logger log = LoggerFactory.getLogger(FetchHandler.class);

    private final LogStore store;
    private final FetchWaiters waiters = new FetchWaiters();

    public FetchHandler(LogStore store) {
        this.store = store;
        store.addAppendListener(waiters::onAppend);
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FETCH;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, FetchRequest body) {
        FetchMetadata session = body.metadata();
        if (session.sessionId() != FetchMetadata.INVALID_SESSION_ID) {
            return CompletableFuture.completedFuture(FetchResponse.of(new FetchResponseData()
                    .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code()).setSessionId(FetchMetadata.INVALID_SESSION_ID)));
        }
        Result first = read(body);
        if (body.maxWait() <= 0 || first.bytes >= body.minBytes() || first.anyError || first.partitions.isEmpty()) {
            return CompletableFuture.completedFuture(first.response);
        }
        DelayedFetch delayed = new DelayedFetch(request, body, first.partitions);
        request.eventLoop().execute(delayed::park); // handle() runs on a request-handler thread; DelayedFetch lives on the event loop
        return delayed.future;
    }

    /** One read over every partition of the request. */
    private record Result(FetchResponse response, int bytes, boolean anyError, List<TopicPartition> partitions) { }

    private Result read(FetchRequest body) {
        boolean byId = body.version() >= 13;
        boolean readCommitted = body.isolationLevel() == IsolationLevel.READ_COMMITTED;
        int budget = body.maxBytes();
        boolean minOneMessage = true;
        int total = 0;
        boolean anyError = false;
        List<TopicPartition> partitions = new ArrayList<>();
        FetchResponseData data = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(FetchMetadata.INVALID_SESSION_ID);
        for (FetchTopic ft : body.data().topics()) {
            Topic topic = byId ? store.topic(ft.topicId()) : store.topic(ft.topic());
            FetchableTopicResponse tr = new FetchableTopicResponse().setTopic(ft.topic()).setTopicId(ft.topicId() == null ? Uuid.ZERO_UUID : ft.topicId());
            for (FetchPartition fp : ft.partitions()) {
                PartitionData pd = new PartitionData().setPartitionIndex(fp.partition())
                        .setHighWatermark(FetchResponse.INVALID_HIGH_WATERMARK).setLastStableOffset(FetchResponse.INVALID_LAST_STABLE_OFFSET)
                        .setLogStartOffset(FetchResponse.INVALID_LOG_START_OFFSET).setPreferredReadReplica(FetchResponse.INVALID_PREFERRED_REPLICA_ID)
                        .setAbortedTransactions(readCommitted ? new ArrayList<>() : null).setRecords(MemoryRecords.EMPTY);
                PartitionLog log = topic == null ? null : store.partition(new TopicPartition(topic.name(), fp.partition()));
                if (log == null) {
                    pd.setErrorCode((topic == null && byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                } else if (fp.currentLeaderEpoch() > PartitionLog.LEADER_EPOCH) {
                    pd.setErrorCode(Errors.UNKNOWN_LEADER_EPOCH.code());
                } else {
                    partitions.add(log.topicPartition());
                    try {
                        ReadResult r = log.read(fp.fetchOffset(), Math.max(0, Math.min(fp.partitionMaxBytes(), budget)), minOneMessage);
                        int size = r.records().sizeInBytes();
                        if (size > 0) {
                            minOneMessage = false;
                        }
                        budget -= size;
                        total += size;
                        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(r.highWatermark()).setLastStableOffset(r.highWatermark())
                                .setLogStartOffset(r.logStartOffset()).setRecords(r.records());
                    } catch (ApiException e) {
                        pd.setErrorCode(Errors.forException(e).code()).setHighWatermark(log.highWatermark())
                                .setLastStableOffset(log.highWatermark()).setLogStartOffset(log.logStartOffset());
                    } catch (Exception e) {
                        FetchHandler.log.error("Read of {} at offset {} failed", log.topicPartition(), fp.fetchOffset(), e);
                        pd.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                    }
                }
                anyError |= pd.errorCode() != Errors.NONE.code();
                tr.partitions().add(pd);
            }
            data.responses().add(tr);
        }
        return new Result(FetchResponse.of(data), total, anyError, partitions);
    }

    /** A fetch waiting for min_bytes; all its state is touched on its connection's event loop only. */
    private final class DelayedFetch implements FetchWaiters.Waiter {
        final KafkaRequest request;
        final FetchRequest body;
        final List<TopicPartition> partitions;
        final CompletableFuture<AbstractResponse> future = new CompletableFuture<>();
        ScheduledFuture<?> timer;
        boolean done;

        DelayedFetch(KafkaRequest request, FetchRequest body, List<TopicPartition> partitions) {
            this.request = request;
            this.body = body;
            this.partitions = partitions;
        }

        void park() {
            partitions.forEach(tp -> waiters.add(tp, this));
            timer = request.eventLoop().schedule(() -> check(true), body.maxWait(), TimeUnit.MILLISECONDS);
            check(false); // an append may have landed between the first read and parking
        }

        @Override
        public void wake() {
            request.eventLoop().execute(() -> check(false));
        }

        private void check(boolean timedOut) {
            if (done) {
                return;
            }
            Result r = read(body);
            if (timedOut || r.bytes >= body.minBytes() || r.anyError) {
                done = true;
                timer.cancel(false);
                partitions.forEach(tp -> waiters.remove(tp, this));
                future.complete(r.response);
            }
        }
    }
}
