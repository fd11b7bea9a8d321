package io.kafkalite.groups;

import io.kafkalite.logstore.DurableMap;
import java.nio.ByteBuffer;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator (Kafka's TransactionCoordinator on one broker): transactional ids, their
 * producer ids and epochs, the partitions and groups of each open transaction, and the two-phase end.
 *
 * <p>Every state change is applied in memory on the coordinator thread and written to a
 * {@link DurableMap} in order; a request is answered once its write is durable. Ending a transaction
 * writes PrepareCommit/PrepareAbort first, then the markers into every partition and the group offsets
 * ({@link TransactionMarkers}, {@link GroupCoordinator#completeTransaction}), then CompleteCommit or
 * CompleteAbort, and only then answers EndTxn: when {@code commitTransaction()} returns, read_committed
 * consumers see the transaction. A restart finishes the ends it finds prepared; transactions left open
 * are aborted once they exceed their timeout.
 *
 * <p>Transactions V2 (KIP-890) follow Kafka 4: a producer using Produce v12+ and EndTxn v5 has its epoch
 * bumped at every end (markers carry the new epoch), so a late produce, commit or abort of an earlier
 * transaction is fenced by its epoch and can never touch a later one. Older producers keep the original
 * protocol.
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
    /** One broker is the only coordinator there ever was: its epoch never changes. */
    public static final int COORDINATOR_EPOCH = 0;
    /** Kafka's __consumer_offsets partition count, to name a group's offsets partition in a transaction as Kafka does. */
    private static final int OFFSETS_PARTITIONS = 50;
    private static final String OFFSETS_TOPIC = "__consumer_offsets";
    private static final String ABORT_TIMER = "abort-timed-out";
    private static final String EXPIRE_TIMER = "expire-ids";
    private static final long MARKER_RETRY_MS = 1000;

    /** A producer id and epoch with the error of the call that gave them. */
    public record ProducerIdAndEpoch(Errors error, long producerId, short producerEpoch) {
        static ProducerIdAndEpoch error(Errors error) {
            return new ProducerIdAndEpoch(error, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH);
        }
    }

    private final Scheduler scheduler;
    private final TransactionConfig config;
    private final DurableMap table;
    private final LongSupplier newProducerId;
    private final TransactionMarkers markers;
    private final GroupCoordinator groups;
    private final int coordinatorEpoch;
    private final Map<String, TransactionMetadata> transactions = new HashMap<>();

    /** Loads the stored transactional ids (on the coordinator thread) and finishes the ends that were prepared. */
    public TransactionCoordinator(Scheduler scheduler, TransactionConfig config, DurableMap table, LongSupplier newProducerId,
                                  TransactionMarkers markers, GroupCoordinator groups) {
        this(scheduler, config, table, newProducerId, markers, groups, COORDINATOR_EPOCH);
    }

    /**
     * @param coordinatorEpoch carried by the markers this coordinator writes; a partition refuses markers of an older
     *                         epoch, so a cluster's coordinators use the quorum's leader epoch (it grows at each failover)
     */
    public TransactionCoordinator(Scheduler scheduler, TransactionConfig config, DurableMap table, LongSupplier newProducerId,
                                  TransactionMarkers markers, GroupCoordinator groups, int coordinatorEpoch) {
        this.coordinatorEpoch = coordinatorEpoch;
        this.scheduler = scheduler;
        this.config = config;
        this.table = table;
        this.newProducerId = newProducerId;
        this.markers = markers;
        this.groups = groups;
        onCoordinator(() -> {
            load();
            return CompletableFuture.completedFuture(null);
        }).join();
    }

    private void load() {
        table.forEach((k, v) -> {
            try {
                TransactionMetadata m = TransactionMetadata.decode(ByteBuffer.wrap(v));
                transactions.put(m.transactionalId, m);
            } catch (RuntimeException e) {
                log.error("Skipping an unreadable stored transaction ({})", e.toString());
            }
        });
        int prepared = 0;
        for (TransactionMetadata m : transactions.values()) {
            if (m.state.isPrepare()) {
                prepared++;
                complete(m, m.state == TransactionState.PREPARE_COMMIT, () -> { });
            }
        }
        log.info("Loaded {} transactional ids; finishing {} prepared transaction ends", transactions.size(), prepared);
        scheduler.schedule(ABORT_TIMER, config.abortTimedOutCheckIntervalMs(), this::abortTimedOut);
        scheduler.schedule(EXPIRE_TIMER, config.removeExpiredCheckIntervalMs(), this::expireIds);
    }

    private <T> CompletableFuture<T> onCoordinator(Supplier<CompletableFuture<T>> work) {
        return scheduler.call(work);
    }

    /** Persists the transaction's current state; the future completes on the coordinator thread. */
    private CompletableFuture<Void> persist(TransactionMetadata m) {
        return onThread(table.write(List.of(new AbstractMap.SimpleEntry<>(TransactionMetadata.key(m.transactionalId), m.encode()))));
    }

    private <T> CompletableFuture<T> onThread(CompletableFuture<T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        f.whenComplete((v, e) -> scheduler.execute(() -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(v);
            }
        }));
        return result;
    }

    /** The answer once the write is durable; a failed write (the log directory went offline) answers COORDINATOR_NOT_AVAILABLE. */
    private <T> CompletableFuture<T> afterPersist(TransactionMetadata m, T answer, T failed) {
        return persist(m).handle((v, e) -> {
            if (e != null) {
                log.error("Storing the state of transactional id {} failed", m.transactionalId, e);
                return failed;
            }
            return answer;
        });
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    // ---------------------------------------------------------------- InitProducerId

    /**
     * InitProducerId with a transactional id: a new id gets a producer id at epoch 0; a known one gets its
     * epoch bumped, which fences any older producer of it. An open transaction is aborted first (the
     * producer is told CONCURRENT_TRANSACTIONS and retries). {@code expectedProducerId}/{@code expectedEpoch}
     * (-1 when absent) are a producer recovering from an error (KIP-360) and must match.
     */
    public CompletableFuture<ProducerIdAndEpoch> initProducerId(String transactionalId, int timeoutMs, long expectedProducerId,
                                                                short expectedEpoch) {
        return onCoordinator(() -> {
            if (transactionalId.isEmpty()) {
                return done(ProducerIdAndEpoch.error(Errors.INVALID_REQUEST));
            }
            if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) {
                return done(ProducerIdAndEpoch.error(Errors.INVALID_TRANSACTION_TIMEOUT));
            }
            long now = scheduler.now();
            TransactionMetadata m = transactions.computeIfAbsent(transactionalId,
                    id -> new TransactionMetadata(id, newProducerId.getAsLong(), timeoutMs, now));
            boolean expected = expectedProducerId != RecordBatch.NO_PRODUCER_ID;
            if (m.completing || m.state.isPrepare()) {
                return done(ProducerIdAndEpoch.error(Errors.CONCURRENT_TRANSACTIONS));
            }
            if (expected && !(m.producerEpoch == RecordBatch.NO_PRODUCER_EPOCH || expectedProducerId == m.producerId
                    || (expectedProducerId == m.previousProducerId && TransactionMetadata.isEpochExhausted(expectedEpoch)))) {
                return done(ProducerIdAndEpoch.error(Errors.PRODUCER_FENCED));
            }
            if (m.state == TransactionState.ONGOING) {
                // fence the producer of the open transaction and abort it; the caller retries and gets the next epoch
                log.info("Transactional id {} re-initialized while its transaction was open: aborting it (producer {} epoch {} fenced)",
                        transactionalId, m.producerId, m.producerEpoch);
                TransactionEndRules.fence(m);
                return prepareEnd(m, false, now).thenApply(e -> ProducerIdAndEpoch.error(e == Errors.NONE ? Errors.CONCURRENT_TRANSACTIONS : e));
            }
            if (TransactionMetadata.isEpochExhausted(m.producerEpoch) && (!expected || expectedEpoch == m.producerEpoch)) {
                m.previousProducerId = expected ? m.producerId : RecordBatch.NO_PRODUCER_ID;
                m.producerId = newProducerId.getAsLong();
                m.producerEpoch = 0;
                m.lastProducerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
            } else if (!expected) {
                m.producerEpoch++;
                m.lastProducerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
            } else if (m.producerEpoch == RecordBatch.NO_PRODUCER_EPOCH || expectedEpoch == m.producerEpoch) {
                m.lastProducerEpoch = m.producerEpoch;
                m.producerEpoch++;
            } else if (expectedEpoch != m.lastProducerEpoch) { // equal: a retry of a bump that succeeded
                return done(ProducerIdAndEpoch.error(Errors.PRODUCER_FENCED));
            }
            m.timeoutMs = timeoutMs;
            m.state = TransactionState.EMPTY;
            m.partitions.clear();
            m.startTimestamp = -1;
            m.lastUpdateTimestamp = now;
            log.info("Initialized transactional id {} with producer id {} and epoch {}", transactionalId, m.producerId, m.producerEpoch);
            return afterPersist(m, new ProducerIdAndEpoch(Errors.NONE, m.producerId, m.producerEpoch),
                    ProducerIdAndEpoch.error(Errors.COORDINATOR_NOT_AVAILABLE));
        });
    }

    // ---------------------------------------------------------------- partitions and offsets

    /** The state checks every call of a producer inside its transaction shares; null when it may go on. */
    private Errors checkProducer(TransactionMetadata m, long producerId, short epoch) {
        if (m == null || m.producerId != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (m.producerEpoch != epoch) {
            return Errors.PRODUCER_FENCED;
        }
        if (m.completing || m.state.isPrepare()) {
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        return null;
    }

    /**
     * AddPartitionsToTxn (client versions), and the implicit add of a Produce v12+ or TxnOffsetCommit v5+
     * of a Transactions V2 producer ({@code v2}). Answered once the transaction's new partitions are durable.
     */
    public CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short epoch, Set<TopicPartition> partitions,
                                                   boolean v2) {
        return onCoordinator(() -> add(transactionalId, producerId, epoch, partitions, v2));
    }

    private CompletableFuture<Errors> add(String transactionalId, long producerId, short epoch, Set<TopicPartition> partitions, boolean v2) {
        TransactionMetadata m = transactions.get(transactionalId);
        Errors error = checkProducer(m, producerId, epoch);
        if (error != null) {
            return done(error);
        }
        if (m.state == TransactionState.ONGOING && m.partitions.containsAll(partitions)) {
            return done(Errors.NONE);
        }
        long now = scheduler.now();
        if (m.state != TransactionState.ONGOING) {
            m.state = TransactionState.ONGOING;
            m.startTimestamp = now;
            m.clientTransactionVersion = (byte) (v2 ? 2 : 0);
        }
        m.partitions.addAll(partitions);
        m.lastUpdateTimestamp = now;
        return afterPersist(m, Errors.NONE, Errors.COORDINATOR_NOT_AVAILABLE);
    }

    /**
     * AddPartitionsToTxn with verify_only (KIP-890 part 1, as brokers send it before a transactional
     * produce): whether each partition is in the producer's open transaction; TRANSACTION_ABORTABLE if not.
     */
    public CompletableFuture<Map<TopicPartition, Errors>> verifyPartitions(String transactionalId, long producerId, short epoch,
                                                                          Set<TopicPartition> partitions) {
        return onCoordinator(() -> {
            TransactionMetadata m = transactions.get(transactionalId);
            Errors error = checkProducer(m, producerId, epoch);
            Map<TopicPartition, Errors> result = new HashMap<>();
            for (TopicPartition tp : partitions) {
                result.put(tp, error != null ? error
                        : m.state == TransactionState.ONGOING && m.partitions.contains(tp) ? Errors.NONE : Errors.TRANSACTION_ABORTABLE);
            }
            return done(result);
        });
    }

    /** AddOffsetsToTxn: the group's offsets partition joins the transaction, as in Kafka. */
    public CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short epoch, String groupId) {
        return addPartitions(transactionalId, producerId, epoch, Set.of(offsetsPartition(groupId)), false);
    }

    /**
     * TxnOffsetCommit: checks the producer (and, for a V2 producer, {@code v2}, adds the group's offsets
     * partition to the transaction as AddOffsetsToTxn would), then runs {@code commit}, which stores the
     * offsets as pending with the group coordinator. {@code commit} runs on this thread before any later
     * end of the transaction, so pending offsets can never miss their transaction's end.
     */
    public <T> CompletableFuture<T> commitOffsets(String transactionalId, long producerId, short epoch, String groupId, boolean v2,
                                                  java.util.function.Function<Errors, T> failure, Supplier<CompletableFuture<T>> commit) {
        return onCoordinator(() -> {
            TransactionMetadata m = transactions.get(transactionalId);
            Errors error = checkProducer(m, producerId, epoch);
            if (error != null) {
                return done(failure.apply(error));
            }
            CompletableFuture<Errors> added = v2 ? add(transactionalId, producerId, epoch, Set.of(offsetsPartition(groupId)), true)
                    : done(Errors.NONE);
            CompletableFuture<T> committed = commit.get();
            return added.thenCombine(committed, (a, c) -> a == Errors.NONE ? c : failure.apply(a));
        });
    }

    /** The __consumer_offsets partition Kafka keeps a group in (its transactions list it). */
    static TopicPartition offsetsPartition(String groupId) {
        return new TopicPartition(OFFSETS_TOPIC, (groupId.hashCode() & 0x7fffffff) % OFFSETS_PARTITIONS);
    }

    // ---------------------------------------------------------------- EndTxn

    /**
     * EndTxn: commits or aborts the producer's open transaction. {@code v2}: the request is EndTxn v5+, from a
     * Transactions V2 producer, whose epoch is bumped by the end and returned. Which end is refused or a retry, and
     * how the epoch moves: {@link TransactionEndRules}.
     */
    public CompletableFuture<ProducerIdAndEpoch> endTransaction(String transactionalId, long producerId, short epoch, boolean commit,
                                                                boolean v2) {
        return onCoordinator(() -> {
            TransactionMetadata m = transactions.get(transactionalId);
            if (m == null) {
                return done(ProducerIdAndEpoch.error(Errors.INVALID_PRODUCER_ID_MAPPING));
            }
            Errors refused = TransactionEndRules.refuseEnd(m, producerId, epoch, commit, v2);
            if (refused == Errors.NONE) { // a retry of the end that happened
                return done(new ProducerIdAndEpoch(Errors.NONE, m.producerId, m.producerEpoch));
            }
            if (refused != null) {
                return done(ProducerIdAndEpoch.error(refused));
            }
            return end(m, commit, v2);
        });
    }

    /** Ends the transaction (V2: with an epoch bump); answered with the producer id and epoch once the markers are in. */
    private CompletableFuture<ProducerIdAndEpoch> end(TransactionMetadata m, boolean commit, boolean v2) {
        long now = scheduler.now();
        if (m.state != TransactionState.ONGOING) { // a V2 abort of a transaction no partition joined
            m.startTimestamp = now;
        }
        TransactionEndRules.endByProducer(m, v2, newProducerId);
        CompletableFuture<ProducerIdAndEpoch> answer = new CompletableFuture<>();
        prepareEnd(m, commit, now, () -> answer.complete(new ProducerIdAndEpoch(Errors.NONE, m.producerId, m.producerEpoch)))
                .thenAccept(e -> {
                    if (e != Errors.NONE) {
                        answer.complete(ProducerIdAndEpoch.error(e));
                    }
                });
        return answer;
    }

    private CompletableFuture<Errors> prepareEnd(TransactionMetadata m, boolean commit, long now) {
        return prepareEnd(m, commit, now, () -> { });
    }

    /**
     * Writes PrepareCommit/PrepareAbort; once durable, completes the transaction ({@link #complete}) and then
     * runs {@code whenComplete}. The future tells whether the prepare was stored.
     */
    private CompletableFuture<Errors> prepareEnd(TransactionMetadata m, boolean commit, long now, Runnable whenComplete) {
        m.state = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        m.lastUpdateTimestamp = now;
        m.completing = true;
        return persist(m).handle((v, e) -> {
            if (e != null) {
                log.error("Storing the end of the transaction of {} failed; it is finished after a restart", m.transactionalId, e);
                return Errors.COORDINATOR_NOT_AVAILABLE;
            }
            complete(m, commit, whenComplete);
            return Errors.NONE;
        });
    }

    /**
     * The second phase: markers into every partition and the group offsets, retried until all are
     * written, then CompleteCommit/CompleteAbort. Runs {@code whenComplete} when the markers are in (or
     * after the first attempt if some must be retried: the outcome is decided and durable by then).
     */
    private void complete(TransactionMetadata m, boolean commit, Runnable whenComplete) {
        m.completing = true;
        writeMarkers(m, commit, new HashSet<>(m.partitions), whenComplete);
    }

    private void writeMarkers(TransactionMetadata m, boolean commit, Set<TopicPartition> partitions, Runnable whenComplete) {
        long producerId = m.producerId;
        Set<TopicPartition> dataPartitions = new HashSet<>();
        partitions.forEach(tp -> {
            if (!tp.topic().equals(OFFSETS_TOPIC)) {
                dataPartitions.add(tp);
            }
        });
        CompletableFuture<Set<TopicPartition>> written;
        try {
            written = dataPartitions.isEmpty() ? CompletableFuture.completedFuture(Set.of()) // e.g. an abort before any produce
                    : markers.write(producerId, m.producerEpoch, coordinatorEpoch, commit, dataPartitions);
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Set<TopicPartition>> offsetsDone = groups.completeTransaction(producerId, commit).handle((v, e) -> {
            if (e != null) {
                log.error("Completing the offsets of the transaction of {} failed", m.transactionalId, e);
                return Set.of(offsetsPartitionOf(partitions));
            }
            return Set.of();
        });
        onThread(written.handle((failed, e) -> e != null ? dataPartitions : failed).thenCombine(offsetsDone, (a, b) -> {
            Set<TopicPartition> all = new HashSet<>(a);
            all.addAll(b);
            return all;
        })).thenAccept(failed -> {
            if (failed.isEmpty()) {
                finish(m, commit);
                whenComplete.run();
                return;
            }
            log.warn("Transaction markers of {} could not be written to {}; retrying in {} ms", m.transactionalId, failed, MARKER_RETRY_MS);
            whenComplete.run();
            scheduler.schedule("markers-" + m.transactionalId, MARKER_RETRY_MS, () -> writeMarkers(m, commit, failed, () -> { }));
        });
    }

    private static TopicPartition offsetsPartitionOf(Set<TopicPartition> partitions) {
        return partitions.stream().filter(tp -> tp.topic().equals(OFFSETS_TOPIC)).findFirst().orElse(new TopicPartition(OFFSETS_TOPIC, 0));
    }

    private void finish(TransactionMetadata m, boolean commit) {
        m.state = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        TransactionEndRules.afterMarkers(m);
        m.partitions.clear();
        m.lastUpdateTimestamp = scheduler.now();
        m.completing = false;
        persist(m).exceptionally(e -> {
            log.error("Storing the completion of the transaction of {} failed; it is completed again after a restart", m.transactionalId, e);
            return null;
        });
    }

    // ---------------------------------------------------------------- timers

    /** transaction.timeout.ms: open transactions older than their timeout are aborted and their producer fenced. */
    private void abortTimedOut() {
        long now = scheduler.now();
        for (TransactionMetadata m : new ArrayList<>(transactions.values())) {
            if (m.state == TransactionState.ONGOING && !m.completing && now - m.startTimestamp > m.timeoutMs) {
                log.info("Aborting the transaction of {} (producer {} epoch {}): open for {} ms, longer than its timeout of {} ms",
                        m.transactionalId, m.producerId, m.producerEpoch, now - m.startTimestamp, m.timeoutMs);
                TransactionEndRules.fence(m);
                prepareEnd(m, false, now);
            }
        }
        scheduler.schedule(ABORT_TIMER, config.abortTimedOutCheckIntervalMs(), this::abortTimedOut);
    }

    /** transactional.id.expiration.ms: ids without an open transaction that were idle that long are forgotten. */
    private void expireIds() {
        long now = scheduler.now();
        List<Map.Entry<byte[], byte[]>> tombstones = new ArrayList<>();
        transactions.values().removeIf(m -> {
            boolean expired = m.state.isIdle() && !m.completing && now - m.lastUpdateTimestamp >= config.idExpirationMs();
            if (expired) {
                tombstones.add(new AbstractMap.SimpleEntry<>(TransactionMetadata.key(m.transactionalId), null));
            }
            return expired;
        });
        if (!tombstones.isEmpty()) {
            log.info("Expired {} transactional ids idle for transactional.id.expiration.ms={}", tombstones.size(), config.idExpirationMs());
            table.write(tombstones);
        }
        scheduler.schedule(EXPIRE_TIMER, config.removeExpiredCheckIntervalMs(), this::expireIds);
    }

    // ---------------------------------------------------------------- admin

    public CompletableFuture<List<DescribeTransactionsResponseData.TransactionState>> describe(List<String> transactionalIds) {
        return onCoordinator(() -> done(transactionalIds.stream().map(id -> TransactionListings.describe(id, transactions.get(id))).toList()));
    }

    /** ListTransactions: see {@link TransactionListings#list}. */
    public CompletableFuture<ListTransactionsResponseData> list(Set<String> states, Set<Long> producerIds, long durationFilterMs,
                                                                String idPattern) {
        return onCoordinator(() -> done(TransactionListings.list(transactions.values(), states, producerIds, durationFilterMs, idPattern,
                scheduler.now())));
    }

    @Override
    public void close() {
        if (scheduler instanceof CoordinatorThread t) {
            t.close();
        }
    }
}
