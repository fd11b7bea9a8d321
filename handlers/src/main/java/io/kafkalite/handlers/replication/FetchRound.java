package io.kafkalite.handlers.replication;

import io.kafkalite.handlers.replication.PartitionFetchState.Phase;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Fetch of a fetcher thread: every partition that is fetching and not backing off, from its fetch offset,
 * as a sessionless full fetch (session id 0, epoch -1) with the topic ids; then the answer applied to the logs.
 */
final class FetchRound {
    private static final Logger log = LoggerFactory.getLogger(FetchRound.class);
    /** No replica epoch (KIP-903's broker epoch): the leader then does not check it. */
    private static final long NO_REPLICA_EPOCH = -1L;

    private final ReplicaFetcherThread thread;
    private final int nodeId;
    private final ReplicaFetchConfig config;
    private final InterBrokerClient client;
    private final LogStore store;
    private final OutOfRangeRound outOfRangeRound;

    FetchRound(ReplicaFetcherThread thread, int nodeId, ReplicaFetchConfig config, InterBrokerClient client, LogStore store,
               OutOfRangeRound outOfRangeRound) {
        this.thread = thread;
        this.nodeId = nodeId;
        this.config = config;
        this.client = client;
        this.store = store;
        this.outOfRangeRound = outOfRangeRound;
    }

    void run() throws IOException {
        LinkedHashMap<TopicPartition, FetchRequest.PartitionData> wanted = new LinkedHashMap<>();
        Map<TopicPartition, PartitionFetchState> sent = new HashMap<>();
        Map<Uuid, String> topicNames = new HashMap<>();
        thread.lock().lock();
        try {
            long now = System.currentTimeMillis();
            thread.states().forEach((tp, s) -> {
                if (s.isReady(Phase.FETCHING, now)) {
                    wanted.put(tp, new FetchRequest.PartitionData(s.topicId(), s.fetchOffset(), s.log().logStartOffset(),
                            config.partitionMaxBytes(), Optional.of(s.leaderEpoch()), Optional.empty()));
                    sent.put(tp, s);
                    topicNames.put(s.topicId(), tp.topic());
                }
            });
        } finally {
            thread.lock().unlock();
        }
        if (wanted.isEmpty()) {
            return;
        }
        FetchRequest.Builder request = FetchRequest.Builder.forReplica(ApiKeys.FETCH.latestVersion(),
                nodeId, NO_REPLICA_EPOCH, config.maxWaitMs(), config.minBytes(), wanted).setMaxBytes(config.responseMaxBytes());
        short version = client.versionFor(request);
        FetchResponse response = client.send(request);
        if (response.error() != Errors.NONE) {
            throw new IOException("Fetch answered " + response.error()); // the thread backs off and reconnects
        }
        Map<TopicPartition, PartitionFetchState> outOfRange = new LinkedHashMap<>();
        thread.lock().lock();
        try {
            response.responseData(topicNames, version).forEach((tp, data) -> {
                PartitionFetchState s = sent.get(tp);
                if (s == null || !s.equals(thread.states().get(tp))) {
                    return; // not asked, or followed anew, truncated or removed meanwhile
                }
                Errors error = Errors.forCode(data.errorCode());
                if (error == Errors.NONE) {
                    apply(tp, s, data);
                } else if (error == Errors.OFFSET_OUT_OF_RANGE) {
                    outOfRange.put(tp, s);
                } else {
                    thread.onPartitionError(tp, s, error, "Fetch");
                }
            });
        } finally {
            thread.lock().unlock();
        }
        if (!outOfRange.isEmpty()) {
            outOfRangeRound.run(outOfRange);
        }
    }

    /** Under the lock: appends the partition's records as they are, then follows the leader's high watermark and log start. */
    private void apply(TopicPartition tp, PartitionFetchState s, FetchResponseData.PartitionData data) {
        PartitionLog partitionLog = s.log();
        try {
            Records records = FetchResponse.recordsOrFail(data);
            boolean appended = false;
            // the answer is parsed from one heap buffer, so its records are MemoryRecords; a trailing partial batch
            // (cut by the byte limits) is not a batch, and comes whole with the next fetch
            if (records instanceof MemoryRecords memory && memory.batches().iterator().hasNext()) {
                RecordBatch first = memory.batches().iterator().next();
                long end = partitionLog.logEndOffset();
                if (end == partitionLog.logStartOffset() && first.baseOffset() < end && first.lastOffset() >= end) {
                    // an empty log started inside the leader's first batch (its log start, after DeleteRecords, is in
                    // the middle of a batch): start it at the batch instead, as Kafka's Partition does; the leader's
                    // log start is taken over below
                    store.truncateFullyAndStartAt(partitionLog, first.baseOffset());
                }
                store.appendAsFollower(partitionLog, memory);
                appended = true;
            }
            store.updateHighWatermark(partitionLog, data.highWatermark());
            long leaderStart = data.logStartOffset();
            if (leaderStart > partitionLog.logStartOffset() && leaderStart <= partitionLog.highWatermark()) {
                store.deleteRecordsBefore(partitionLog, leaderStart); // retention or DeleteRecords on the leader
            }
            PartitionFetchState next = s.fetchingAt(partitionLog.logEndOffset());
            if (appended) {
                thread.moveToEnd(tp, next);
            } else {
                thread.states().put(tp, next);
            }
        } catch (CorruptRecordException | InvalidRecordException | RecordBatchTooLargeException e) {
            // perhaps a transient state of the leader's log (a truncation racing the read): try again later
            log.error("{}: invalid records for {} at offset {}", thread.getName(), tp, s.fetchOffset(), e);
            thread.onPartitionError(tp, s, Errors.CORRUPT_MESSAGE, "Fetch");
        } catch (IOException | RuntimeException e) {
            thread.failed(tp, s, "appending at offset " + s.fetchOffset(), e);
        }
    }
}
