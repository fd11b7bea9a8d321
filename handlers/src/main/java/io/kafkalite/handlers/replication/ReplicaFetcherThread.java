package io.kafkalite.handlers.replication;

import io.kafkalite.handlers.replication.PartitionFetchState.Phase;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates the partitions that one broker leads (a share of them, with {@code num.replica.fetchers} > 1) into
 * this broker's logs, over one connection. Each round first truncates the partitions that need it
 * ({@link TruncationRound}), then fetches for the others ({@link FetchRound}, {@link OutOfRangeRound}), as Kafka's
 * fetcher threads do.
 * The partition states are guarded by one lock, held while the answers are applied to the logs (never while
 * waiting for the leader): once {@link #remove} returns, this thread no longer writes to that partition's log.
 */
final class ReplicaFetcherThread extends Thread {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherThread.class);

    private final int leaderId;
    private final IntFunction<InetSocketAddress> leaderAddress;
    private final ReplicaFetchConfig config;
    private final InterBrokerClient client;
    private final TruncationRound truncationRound;
    private final FetchRound fetchRound;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** In fetch order: a partition that got records moves to the end, so every partition gets its turn first. */
    private final LinkedHashMap<TopicPartition, PartitionFetchState> states = new LinkedHashMap<>();
    private volatile boolean running = true;
    private boolean leaderReachable = true;
    private boolean authenticationFailing;

    ReplicaFetcherThread(int nodeId, int leaderId, int index, IntFunction<InetSocketAddress> leaderAddress, ReplicaFetchConfig config,
                         InterBrokerSecurity security, LogStore store) {
        super("ReplicaFetcherThread-" + index + "-" + leaderId);
        setDaemon(true);
        this.leaderId = leaderId;
        this.leaderAddress = leaderAddress;
        this.config = config;
        this.client = new InterBrokerClient("broker-" + nodeId + "-fetcher-" + index, config.clientLimits(), security);
        this.truncationRound = new TruncationRound(this, nodeId, client, store);
        this.fetchRound = new FetchRound(this, nodeId, config, client, store, new OutOfRangeRound(this, nodeId, client, store));
    }

    /** Starts or keeps following; a new epoch, log or topic id (or a paused partition) starts over with truncation. */
    void follow(TopicPartition tp, Uuid topicId, PartitionLog partitionLog, int leaderEpoch) {
        lock.lock();
        try {
            PartitionFetchState current = states.get(tp);
            if (current != null && current.leaderEpoch() == leaderEpoch && current.log() == partitionLog
                    && current.topicId().equals(topicId) && current.phase() != Phase.PAUSED) {
                return;
            }
            states.put(tp, PartitionFetchState.start(topicId, partitionLog, leaderEpoch));
            log.info("{}: following {} (leader {}, epoch {}) from the high watermark {}", getName(), tp, leaderId, leaderEpoch,
                    partitionLog.highWatermark());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops following; returns once no append of this thread to the partition is under way. */
    void remove(TopicPartition tp) {
        lock.lock();
        try {
            states.remove(tp);
        } finally {
            lock.unlock();
        }
    }

    boolean isIdle() {
        lock.lock();
        try {
            return states.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Tells the thread to stop and closes its connection (which ends a fetch waiting on the leader); does not wait. */
    void initiateShutdown() {
        running = false;
        client.shutdown();
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void awaitShutdown() {
        try {
            join(config.socketTimeoutMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (!awaitWork()) {
                    break;
                }
                if (!client.isConnected() && !connect()) {
                    continue;
                }
                truncationRound.run();
                fetchRound.run();
            } catch (IOException e) {
                if (running) {
                    if (leaderReachable) { // once per outage, not at every retry
                        log.warn("{}: the connection to broker {} failed ({}); retrying every {} ms", getName(), leaderId, e.toString(),
                                config.backoffMs());
                        leaderReachable = false;
                    } else {
                        log.debug("{}: broker {} still unreachable: {}", getName(), leaderId, e.toString());
                    }
                    client.close();
                    delayAll();
                }
            } catch (AuthenticationException e) { // wrong credentials, untrusted certificate: nothing replicates until fixed
                if (running) {
                    if (!authenticationFailing) { // once until a login succeeds again, not at every retry
                        log.error("{}: authentication with broker {} failed, so nothing is replicated from it: {}; retrying every {} ms",
                                getName(), leaderId, e.getMessage(), config.backoffMs());
                        authenticationFailing = true;
                    } else {
                        log.debug("{}: authentication with broker {} still fails: {}", getName(), leaderId, e.getMessage());
                    }
                    client.close();
                    delayAll();
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) { // a bug or an unexpected answer: keep the thread, back off
                log.error("{}: unexpected error, retrying in {} ms", getName(), config.backoffMs(), e);
                client.close();
                delayAll();
            }
        }
        client.close();
    }

    /** Waits until some partition may be worked on; false once shut down. */
    private boolean awaitWork() throws InterruptedException {
        lock.lock();
        try {
            while (running) {
                long now = System.currentTimeMillis();
                long next = Long.MAX_VALUE;
                for (PartitionFetchState s : states.values()) {
                    if (s.phase() != Phase.PAUSED) {
                        if (s.delayedUntilMs() <= now) {
                            return true;
                        }
                        next = Math.min(next, s.delayedUntilMs());
                    }
                }
                if (next == Long.MAX_VALUE) {
                    changed.await();
                } else {
                    changed.await(next - now, TimeUnit.MILLISECONDS);
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    private boolean connect() throws IOException {
        InetSocketAddress address = leaderAddress.apply(leaderId);
        if (address == null) {
            if (leaderReachable) {
                log.warn("{}: no inter-broker address known for broker {}; retrying every {} ms", getName(), leaderId, config.backoffMs());
                leaderReachable = false;
            }
            delayAll();
            return false;
        }
        client.connect(address);
        authenticationFailing = false;
        if (!leaderReachable) {
            log.info("{}: connected to broker {} at {}", getName(), leaderId, address);
            leaderReachable = true;
        }
        return true;
    }

    // ---------------------------------------------------------------- shared with the rounds

    ReentrantLock lock() {
        return lock;
    }

    /** Under the lock: the current states, in fetch order. */
    LinkedHashMap<TopicPartition, PartitionFetchState> states() {
        return states;
    }

    /**
     * Under the lock. FENCED_LEADER_EPOCH: the leader has a newer epoch than ours, so our metadata is behind;
     * the partition waits for follow() with the new epoch. Everything else (NOT_LEADER_OR_FOLLOWER,
     * UNKNOWN_LEADER_EPOCH: the leader's metadata is behind ours; UNKNOWN_TOPIC_ID, KAFKA_STORAGE_ERROR, ...) is
     * retried after replica.fetch.backoff.ms, as Kafka does.
     */
    void onPartitionError(TopicPartition tp, PartitionFetchState s, Errors error, String request) {
        if (error == Errors.FENCED_LEADER_EPOCH) {
            log.info("{}: {} at epoch {} is fenced by the leader (a newer epoch exists): waiting for the new metadata", getName(), tp,
                    s.leaderEpoch());
            states.put(tp, s.paused());
        } else {
            log.debug("{}: {} for {} from broker {}: retrying in {} ms", getName(), error, tp, leaderId, config.backoffMs());
            states.put(tp, s.delayedUntil(backoffDeadline()));
        }
    }

    /** Under the lock: a local failure (an offline log directory, a bug) pauses the partition until it is followed anew. */
    void failed(TopicPartition tp, PartitionFetchState s, String what, Exception e) {
        log.error("{}: {} failed {}; it is not replicated until its leadership changes", getName(), tp, what, e);
        states.put(tp, s.paused());
    }

    /** When a partition backing off now may be fetched again. */
    long backoffDeadline() {
        return System.currentTimeMillis() + config.backoffMs();
    }

    private void delayAll() {
        lock.lock();
        try {
            long until = backoffDeadline();
            states.replaceAll((tp, s) -> s.phase() == Phase.PAUSED ? s : s.delayedUntil(until));
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the partition's state moved to the end of the fetch order. */
    void moveToEnd(TopicPartition tp, PartitionFetchState s) {
        states.remove(tp);
        states.put(tp, s);
    }
}
