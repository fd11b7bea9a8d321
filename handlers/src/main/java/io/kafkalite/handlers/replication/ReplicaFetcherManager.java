package io.kafkalite.handlers.replication;

import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Utils;

/**
 * The follower side of replication: this broker's replicas of partitions led by other brokers are fetched by
 * {@code num.replica.fetchers} threads per leader ({@link ReplicaFetcherThread}), each partition always by the
 * same one (by hash, as Kafka spreads them). Threads start with their first partition and stop with their last,
 * so there are at most brokers x {@code num.replica.fetchers} of them. Called by the replica manager when the
 * metadata changes; never blocks on the network.
 */
public final class ReplicaFetcherManager implements AutoCloseable {
    private record FetcherId(int leaderId, int index) { }

    private final int nodeId;
    private final IntFunction<InetSocketAddress> leaderAddress;
    private final ReplicaFetchConfig config;
    private final InterBrokerSecurity security;
    private final LogStore store;
    private final Map<FetcherId, ReplicaFetcherThread> fetchers = new HashMap<>();
    private final Map<TopicPartition, FetcherId> assignment = new HashMap<>();
    private boolean closed;

    /**
     * @param leaderAddress the inter-broker listener address of a broker id, from the metadata image (null if unknown:
     *        the fetcher then retries every {@code replica.fetch.backoff.ms})
     * @param security how connections to that listener are secured
     * @param store the followed logs' store: the fetchers write through it, so waiting fetches hear of appends,
     *        truncations and high watermark moves
     * @throws org.apache.kafka.common.config.ConfigException for inconsistent {@code replica.*} settings
     */
    public ReplicaFetcherManager(int nodeId, IntFunction<InetSocketAddress> leaderAddress, BrokerConfig config, InterBrokerSecurity security,
                                 LogStore store) {
        this.nodeId = nodeId;
        this.leaderAddress = leaderAddress;
        this.config = ReplicaFetchConfig.from(config);
        this.security = security;
        this.store = store;
    }

    /**
     * Replicates {@code log} from {@code leaderId}. Idempotent: following again with the same leader and epoch
     * changes nothing (but resumes a partition paused by the leader's FENCED_LEADER_EPOCH); a new leader or
     * epoch starts the partition over with truncation (OffsetForLeaderEpoch), from its high watermark.
     */
    public synchronized void follow(TopicPartition tp, Uuid topicId, PartitionLog log, int leaderId, int leaderEpoch) {
        if (closed) {
            return;
        }
        if (leaderId == nodeId) {
            throw new IllegalArgumentException("Broker " + nodeId + " cannot follow itself for " + tp);
        }
        FetcherId id = new FetcherId(leaderId, Utils.abs(31 * tp.topic().hashCode() + tp.partition()) % config.fetchersPerBroker());
        FetcherId previous = assignment.put(tp, id);
        if (previous != null && !previous.equals(id)) {
            removeFrom(previous, tp);
        }
        fetchers.computeIfAbsent(id, this::startFetcher).follow(tp, topicId, log, leaderEpoch);
    }

    /** Stops replicating {@code tp}; once this returns, no fetcher writes to its log any more. */
    public synchronized void stopFollowing(TopicPartition tp) {
        FetcherId id = assignment.remove(tp);
        if (id != null) {
            removeFrom(id, tp);
        }
    }

    /** Stops every fetcher thread and closes their connections. */
    @Override
    public void close() {
        List<ReplicaFetcherThread> threads;
        synchronized (this) {
            closed = true;
            threads = new ArrayList<>(fetchers.values());
            fetchers.clear();
            assignment.clear();
        }
        threads.forEach(ReplicaFetcherThread::initiateShutdown);
        threads.forEach(ReplicaFetcherThread::awaitShutdown);
    }

    private ReplicaFetcherThread startFetcher(FetcherId id) {
        ReplicaFetcherThread thread = new ReplicaFetcherThread(nodeId, id.leaderId(), id.index(), leaderAddress, config, security, store);
        thread.start();
        return thread;
    }

    private void removeFrom(FetcherId id, TopicPartition tp) {
        ReplicaFetcherThread thread = fetchers.get(id);
        if (thread == null) {
            return;
        }
        thread.remove(tp);
        if (thread.isIdle()) {
            fetchers.remove(id);
            thread.initiateShutdown(); // it ends on its own: the caller never waits for the network
        }
    }
}
