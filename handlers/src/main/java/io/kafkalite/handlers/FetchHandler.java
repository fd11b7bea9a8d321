package io.kafkalite.handlers;

import io.kafkalite.handlers.replication.LeaderHints;
import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.LeaderEpochCache;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.ReadResult;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetch, v4-v18 (v13+ name topics by id, KIP-516).
 * <ul>
 * <li>Each partition returns segment bytes as stored (zero-copy), starting with the whole batch that
 *     holds the fetch offset; the client skips records before it. At most the partition's max bytes,
 *     and the request's max bytes in all, except that the first partition with data returns at least
 *     one whole batch (KIP-74).</li>
 * <li>Long poll, as Kafka's DelayedFetch: with fewer than {@code min_bytes} available (capped at
 *     {@code max_bytes}, as Kafka does) the fetch is parked. An append to one of its partitions only adds
 *     the appended size to the fetch's count of bytes it could return (each partition counting at most its
 *     partition max bytes), without reading the log. The fetch is answered, with one real read on the
 *     request-handler pool ({@code ioPool}), when that count reaches {@code min_bytes} (read_committed: when
 *     the last stable offset moved, since appended data may not be readable yet); at once when an
 *     append finds a partition changed under it (topic deleted or re-created, fetch offset now below the
 *     log start or above the log end); or when the wait ends. A read that still falls short (the count
 *     can overestimate) re-parks the fetch with what it actually saw.</li>
 * <li>The wait is {@code min(max_wait_ms, 25 s)}. Apache Kafka does not cap it on the broker; its Java
 *     client gives up on a request after {@code request.timeout.ms} (30 s by default) and reconnects, so a
 *     client asking for longer fails against Kafka. Answering (with what there is) before 30 s can only
 *     save such a client a timeout; no client asks for more by default (Java and librdkafka 500 ms,
 *     kafkajs 5 s).</li>
 * <li>A parked fetch dies with its connection: when the connection closes, its timer is cancelled, it
 *     leaves the waiters and completes with no response. Nothing is kept for a dead client.</li>
 * <li>A parked fetch is answered at once when its partition is deleted (DeleteTopics) or its log start
 *     moves past the fetch offset (DeleteRecords, retention): the log store tells listeners of those too.</li>
 * <li>OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset]; UNKNOWN_TOPIC_OR_PARTITION /
 *     UNKNOWN_TOPIC_ID for unknown topics; UNKNOWN_LEADER_EPOCH for a leader epoch from the future.</li>
 * <li>Fetch sessions (KIP-227), see {@link FetchContext}: decided when the request comes in (the session
 *     takes the request's changes then); an incremental fetch reads every partition of its session and
 *     its answer, made when the read is done (also after a long poll), keeps only the partitions with
 *     something new. Sessions live in one {@link FetchSessionCache} for the broker, not per connection.</li>
 * <li>read_committed stops at the last stable offset (the first offset of the oldest open transaction)
 *     and lists the aborted transactions of the returned range from the partition's aborted-transaction
 *     index (never by scanning the log); the client drops their records. read_uncommitted reads up to the
 *     high watermark. Every answer carries the partition's last stable offset.</li>
 * <li>One broker: follower fetches (replica id >= 0) are served like consumer fetches. Cluster mode
 *     ({@link ReplicaManager}): only the leader serves (NOT_LEADER_OR_FOLLOWER with KIP-951's leader hints,
 *     FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH for an older / newer current leader epoch); a follower's fetch
 *     reads to the log end, records its fetch offset as its log end (the high watermark may move, it may join the
 *     ISR), carries the high watermark, and gets DivergingEpoch when its last fetched epoch diverged; a consumer's
 *     read stops at the high watermark, and a parked one wakes when the high watermark moves.</li>
 * <li>Authorization (as Kafka): a consumer needs READ on each topic, else its partitions get
 *     TOPIC_AUTHORIZATION_FAILED (an unknown topic id stays UNKNOWN_TOPIC_ID); a follower needs CLUSTER_ACTION,
 *     else every partition gets TOPIC_AUTHORIZATION_FAILED. Decided once per request, all topics in one
 *     authorizer call; a denied partition does not end a long poll early (Kafka leaves it out of the wait).</li>
 * </ul>
 * Threads: {@link #handle} reads on the caller's thread (the request-handler pool); reads that complete
 * a parked fetch run on {@code ioPool}; its timer runs on the connection's event loop.
 */
public final class FetchHandler implements Handler<FetchRequest> {
    private static final Logger log = LoggerFactory.getLogger(FetchHandler.class);
    private static final Predicate<String> NOTHING = topic -> false;
    private static final Predicate<String> EVERYTHING = topic -> true;
    /** The longest a fetch is parked, whatever its max_wait_ms. */
    static final long MAX_WAIT_CAP_MS = 25_000;
    /** Kafka's default of {@code max.incremental.fetch.session.cache.slots}. */
    static final int DEFAULT_SESSION_SLOTS = 1000;

    /** How one partition is read: {@link PartitionLog#read}; a seam so tests can count reads. */
    @FunctionalInterface
    interface PartitionReader {
        ReadResult read(PartitionLog log, long offset, int maxBytes, boolean minOneMessage, boolean readCommitted) throws IOException;
    }

    private final LogStore store;
    private final Executor ioPool;
    private final long maxWaitCapMs;
    private final PartitionReader reader;
    private final FetchWaiters waiters = new FetchWaiters();
    private final Authorization authorization;
    private final FetchSessionCache sessions;
    /** Cluster mode: leadership, follower progress and the high watermark; null on one broker. */
    private final ReplicaManager replicas;

    /** With Kafka's default of 1000 fetch sessions. */
    public FetchHandler(LogStore store, Executor ioPool, Authorization authorization) {
        this(store, ioPool, authorization, DEFAULT_SESSION_SLOTS);
    }

    /**
     * @param ioPool       runs the reads that complete parked fetches (the request-handler pool)
     * @param sessionSlots the most fetch sessions kept ({@code max.incremental.fetch.session.cache.slots})
     */
    public FetchHandler(LogStore store, Executor ioPool, Authorization authorization, int sessionSlots) {
        this(store, ioPool, authorization, sessionSlots, null);
    }

    /** @param replicas the leader side of replication in cluster mode, null on one broker */
    public FetchHandler(LogStore store, Executor ioPool, Authorization authorization, int sessionSlots, ReplicaManager replicas) {
        this(store, ioPool, MAX_WAIT_CAP_MS, PartitionLog::read, authorization, new FetchSessionCache(sessionSlots), replicas);
    }

    FetchHandler(LogStore store, Executor ioPool, long maxWaitCapMs, PartitionReader reader, Authorization authorization) {
        this(store, ioPool, maxWaitCapMs, reader, authorization, new FetchSessionCache(DEFAULT_SESSION_SLOTS));
    }

    FetchHandler(LogStore store, Executor ioPool, long maxWaitCapMs, PartitionReader reader, Authorization authorization,
                 FetchSessionCache sessions) {
        this(store, ioPool, maxWaitCapMs, reader, authorization, sessions, null);
    }

    FetchHandler(LogStore store, Executor ioPool, long maxWaitCapMs, PartitionReader reader, Authorization authorization,
                 FetchSessionCache sessions, ReplicaManager replicas) {
        this.replicas = replicas;
        this.sessions = sessions;
        this.store = store;
        this.ioPool = ioPool;
        this.maxWaitCapMs = maxWaitCapMs;
        this.reader = reader;
        this.authorization = authorization;
        store.addAppendListener(waiters::onAppend);
        if (replicas != null) {
            replicas.addRoleListener(waiters::onAppend);
        }
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FETCH;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, FetchRequest fetch) {
        FetchContext context = FetchContext.of(sessions, fetch);
        FetchRequest body = context.toRead();
        if (body == null) {
            return CompletableFuture.completedFuture(context.respond(null));
        }
        int minBytes = Math.min(body.minBytes(), body.maxBytes());
        long waitMs = Math.min(body.maxWait(), maxWaitCapMs);
        Predicate<String> denied = denied(request, body);
        Result first = read(body, denied, request.context().listenerName);
        if (waitMs <= 0 || first.bytes >= minBytes || first.anyError || first.partitions.isEmpty()) {
            return CompletableFuture.completedFuture(context.respond(first.data));
        }
        DelayedFetch delayed = new DelayedFetch(this, request, context, denied, minBytes, first);
        delayed.park(waitMs);
        return delayed.future();
    }

    /** The topics the request may not read: none without authorization, all for a follower without CLUSTER_ACTION. */
    private Predicate<String> denied(KafkaRequest request, FetchRequest body) {
        if (!authorization.enabled()) {
            return NOTHING;
        }
        if (body.isFromFollower()) {
            return authorization.allowedOnCluster(request, AclOperation.CLUSTER_ACTION) ? NOTHING : EVERYTHING;
        }
        boolean byId = body.version() >= 13;
        Set<String> denied = authorization.denied(request, AclOperation.READ, ResourceType.TOPIC, body.data().topics(),
                ft -> byId ? Handlers.topicName(store, ft.topicId()) : ft.topic(), ft -> ft.partitions().size(), true);
        return denied.isEmpty() ? NOTHING : denied::contains;
    }

    FetchWaiters waiters() {
        return waiters;
    }

    LogStore store() {
        return store;
    }

    Executor ioPool() {
        return ioPool;
    }

    /**
     * What a read saw of one partition without error: enough to watch it afterwards. {@code stableOffset}: the last
     * stable offset the read saw, for read_committed (-1 for read_uncommitted). {@code highWatermark}: the high
     * watermark a consumer's read_uncommitted read of a replicated partition saw (it reads no further), else -1.
     * {@code leaderEpoch}: in cluster mode the leader epoch this node knew at the read (a change answers the fetch).
     */
    record PartitionRead(PartitionLog log, long fetchOffset, int maxBytes, long appendedBefore, int bytes, long stableOffset,
                         long highWatermark, int leaderEpoch) { }

    /** Cluster mode: whether this node's role or leader epoch for the partition changed since {@code at} was read. */
    boolean roleChanged(PartitionRead at) {
        return replicas != null && replicas.leaderEpoch(at.log().topicPartition()) != at.leaderEpoch();
    }

    /** One read over every partition of the request; {@code partitions} holds those without error, in request order. */
    record Result(FetchResponseData data, int bytes, boolean anyError, List<PartitionRead> partitions) { }

    /** {@code denied}: topics whose partitions are answered TOPIC_AUTHORIZATION_FAILED without a read. */
    Result read(FetchRequest body, Predicate<String> denied) {
        return read(body, denied, null);
    }

    /** As above; in cluster mode, partitions led elsewhere carry KIP-951's hints for clients of {@code listener}. */
    Result read(FetchRequest body, Predicate<String> denied, ListenerName listener) {
        boolean byId = body.version() >= 13;
        boolean fromFollower = replicas != null && body.isFromFollower();
        boolean readCommitted = body.isolationLevel() == IsolationLevel.READ_COMMITTED;
        int budget = body.maxBytes();
        boolean minOneMessage = true;
        int total = 0;
        boolean anyError = false;
        List<PartitionRead> partitions = new ArrayList<>();
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
                if (denied == EVERYTHING || (!(topic == null && byId) && denied.test(topic == null ? ft.topic() : topic.name()))) {
                    tr.partitions().add(pd.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())); // not an error that ends a wait
                    continue;
                } else if (log == null && topic != null && store.exists(new TopicPartition(topic.name(), fp.partition()))) {
                    pd.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()); // another broker's replica (MissingPartition)
                    anyError = true;
                } else if (log == null) {
                    pd.setErrorCode((topic == null && byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                } else if (replicas == null && fp.currentLeaderEpoch() > PartitionLog.LEADER_EPOCH) {
                    pd.setErrorCode(Errors.UNKNOWN_LEADER_EPOCH.code());
                } else if (replicas != null && notServed(body, fp, log.topicPartition(), pd)) {
                    anyError = true;
                } else if (fromFollower && diverged(log, fp, pd)) {
                    anyError = true; // answered at once: the follower truncates first
                } else {
                    long appendedBefore = log.appendedBytes(); // before the read: appends racing it are counted twice, never missed
                    try {
                        int maxBytes = Math.max(0, Math.min(fp.partitionMaxBytes(), budget));
                        ReadResult r = fromFollower ? log.readForReplica(fp.fetchOffset(), maxBytes, minOneMessage)
                                : reader.read(log, fp.fetchOffset(), maxBytes, minOneMessage, readCommitted);
                        long hw = r.highWatermark();
                        if (fromFollower) { // its fetch offset is its log end: the high watermark may move, it may join the ISR
                            replicas.followerFetched(log, body.replicaId(), fp.fetchOffset());
                            hw = log.highWatermark();
                        }
                        int size = r.records().sizeInBytes();
                        if (size > 0) {
                            minOneMessage = false;
                        }
                        budget -= size;
                        total += size;
                        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(hw).setLastStableOffset(r.lastStableOffset())
                                .setLogStartOffset(r.logStartOffset()).setRecords(r.records());
                        if (readCommitted) {
                            r.abortedTxns().forEach(t -> pd.abortedTransactions().add(new FetchResponseData.AbortedTransaction()
                                    .setProducerId(t.producerId()).setFirstOffset(t.firstOffset())));
                        }
                        partitions.add(new PartitionRead(log, fp.fetchOffset(), fp.partitionMaxBytes(), appendedBefore, size,
                                readCommitted ? r.lastStableOffset() : -1, replicas != null && !fromFollower && !readCommitted ? hw : -1,
                                replicas == null ? -1 : replicas.leaderEpoch(log.topicPartition())));
                    } catch (ApiException e) {
                        pd.setErrorCode(Errors.forException(e).code()).setHighWatermark(log.highWatermark())
                                .setLastStableOffset(log.lastStableOffset()).setLogStartOffset(log.logStartOffset());
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
        if (replicas != null && listener != null) {
            LeaderHints.addTo(data, body.version(), listener, replicas);
        }
        return new Result(data, total, anyError, partitions);
    }

    /**
     * Cluster mode: Kafka's leader checks of a fetch (the leader epoch, then leadership; a follower must be a replica).
     * @return true when the partition is answered with an error (set on {@code pd}) and not read
     */
    private boolean notServed(FetchRequest body, FetchPartition fp, TopicPartition tp, PartitionData pd) {
        Errors error = body.isFromFollower() ? replicas.followerError(tp, body.replicaId(), fp.currentLeaderEpoch())
                : replicas.leaderError(tp, fp.currentLeaderEpoch());
        if (error == Errors.NONE) {
            return false;
        }
        pd.setErrorCode(error.code());
        return true;
    }

    /**
     * A follower's fetch whose last fetched epoch ends before its fetch offset in the leader's log (or is an epoch
     * the leader never had) gets the leader's end of that epoch as DivergingEpoch (v12+, Kafka's rule) and no
     * records: the follower truncates to it first.
     */
    private static boolean diverged(PartitionLog log, FetchPartition fp, PartitionData pd) {
        if (fp.lastFetchedEpoch() < 0) {
            return false;
        }
        LeaderEpochCache.EpochEnd end = log.endOffsetForEpoch(fp.lastFetchedEpoch());
        if (end.epoch() >= fp.lastFetchedEpoch() && end.endOffset() >= fp.fetchOffset()) {
            return false;
        }
        pd.setErrorCode(Errors.NONE.code()).setHighWatermark(log.highWatermark()).setLastStableOffset(log.lastStableOffset())
                .setLogStartOffset(log.logStartOffset())
                .setDivergingEpoch(new FetchResponseData.EpochEndOffset().setEpoch(end.epoch()).setEndOffset(end.endOffset()));
        return true;
    }
}
