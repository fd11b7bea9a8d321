package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Parked fetches against the in-memory log store. Deterministic: the connection is an EmbeddedChannel with
 * frozen time, and the io pool is a queue the test drains.
 */
@Timeout(30)
class FetchLongPollTest {
    private static final short VERSION = 12;
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private final ArrayDeque<Runnable> pool = new ArrayDeque<>();
    private final Executor ioPool = pool::add;
    private final AtomicInteger reads = new AtomicInteger();
    private final FetchHandler.PartitionReader countingReader = (log, offset, maxBytes, minOne, committed) -> {
        reads.incrementAndGet();
        return log.read(offset, maxBytes, minOne, committed);
    };
    private LogStore store;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        store = LogStore.inMemory(Map.of());
        store.createTopic("t", 1, Map.of());
        channel = new EmbeddedChannel();
        channel.freezeTime();
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        store.close();
    }

    @Test
    void tinyAppendsOnlyCountBytesUntilMinBytesCouldBeThere() throws Exception {
        // given: a fetch at the log end waiting for 1000 bytes
        FetchHandler handler = new FetchHandler(store, ioPool, FetchHandler.MAX_WAIT_CAP_MS, countingReader, Authorization.NONE);
        CompletableFuture<AbstractResponse> future = fetch(handler, 0, 20_000, 1000);
        assertFalse(future.isDone());
        assertEquals(1, reads.get(), "the first read");
        int batch = batch().sizeInBytes();
        int needed = (1000 + batch - 1) / batch;

        // when: appends that together stay below min_bytes
        for (int i = 0; i < needed - 1; i++) {
            append();
        }
        runPool();

        // then: no read, still parked
        assertEquals(1, reads.get(), (needed - 1) + " tiny appends must not read the log");
        assertFalse(future.isDone());

        // when: the append that makes min_bytes reachable
        append();
        runPool();

        // then: one read answers with every batch
        assertEquals(2, reads.get());
        PartitionData pd = partition(future.getNow(null));
        assertEquals(Errors.NONE.code(), pd.errorCode());
        assertEquals(needed * batch, ((MemoryRecords) pd.records()).sizeInBytes());
        assertEquals(0, handler.waiters().partitions(), "the answered fetch left the waiters");
    }

    @Test
    void aReadCommittedFetchWaitsForTheLastStableOffsetNotForAppends() throws Exception {
        // given: an open transaction at offset 0 and a read_committed fetch parked at 0
        FetchHandler handler = new FetchHandler(store, ioPool, FetchHandler.MAX_WAIT_CAP_MS, countingReader, Authorization.NONE);
        PartitionLog log = store.partition(TP);
        MemoryRecords txn = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, 0, new SimpleRecord("t".getBytes()));
        store.append(log, txn, System.currentTimeMillis(), log.transactionGuard(7L, (short) 0));
        CompletableFuture<AbstractResponse> future = fetch(handler, 0, 20_000, 1, org.apache.kafka.common.IsolationLevel.READ_COMMITTED);
        assertFalse(future.isDone());

        // when: appends behind the open transaction
        append();
        append();
        runPool();

        // then: nothing readable, so no read
        assertEquals(1, reads.get(), "appends behind an open transaction must not read the log");
        assertFalse(future.isDone());

        // when: the transaction commits
        store.writeTxnMarker(log, 7L, (short) 0, 0, true).get();
        runPool();

        // then: answered with everything up to the new last stable offset
        PartitionData pd = partition(future.getNow(null));
        assertEquals(Errors.NONE.code(), pd.errorCode());
        assertEquals(4, pd.lastStableOffset());
        assertEquals(List.of(), pd.abortedTransactions());
    }

    @Test
    void aParkedFetchIsDroppedWhenItsConnectionCloses() throws Exception {
        // given: a parked fetch
        FetchHandler handler = new FetchHandler(store, ioPool, FetchHandler.MAX_WAIT_CAP_MS, countingReader, Authorization.NONE);
        CompletableFuture<AbstractResponse> future = fetch(handler, 0, 20_000, 1000);
        assertEquals(1, handler.waiters().waiters());

        // when: its connection closes
        channel.close().sync();
        channel.runPendingTasks();

        // then: completed with no response, nothing kept: no waiter, no partition entry, no timer
        assertTrue(future.isDone());
        assertNull(future.getNow(null));
        assertEquals(0, handler.waiters().waiters());
        assertEquals(0, handler.waiters().partitions());
        assertEquals(-1, channel.runScheduledPendingTasks(), "the wait timer is cancelled");
        append();
        runPool();
        assertEquals(1, reads.get(), "appends after the close read nothing");
    }

    @Test
    void theWaitIsCappedAt25Seconds() throws Exception {
        // given: a fetch asking to wait for a minute (the public constructor: the real cap)
        FetchHandler handler = new FetchHandler(store, ioPool, Authorization.NONE);
        CompletableFuture<AbstractResponse> future = fetch(handler, 0, 60_000, 1000);

        // when: just before the cap
        channel.advanceTimeBy(FetchHandler.MAX_WAIT_CAP_MS - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        runPool();

        // then: still waiting
        assertFalse(future.isDone());
        assertEquals(25_000, FetchHandler.MAX_WAIT_CAP_MS);

        // when: at the cap
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        runPool();

        // then: answered with what there is (nothing), not after max_wait_ms
        PartitionData pd = partition(future.getNow(null));
        assertEquals(Errors.NONE.code(), pd.errorCode());
        assertEquals(0, ((MemoryRecords) pd.records()).sizeInBytes());
        assertEquals(0, handler.waiters().partitions());
    }

    @Test
    void anOffsetThatFallsOutOfRangeIsAnsweredAtTheNextAppend() throws Exception {
        // given: one batch, and a fetch at offset 0 waiting for more than it
        append();
        FetchHandler handler = new FetchHandler(store, ioPool, FetchHandler.MAX_WAIT_CAP_MS, countingReader, Authorization.NONE);
        CompletableFuture<AbstractResponse> future = fetch(handler, 0, 20_000, 100_000);
        assertFalse(future.isDone());

        // when: the log start moves past the offset, then a tiny append
        store.partition(TP).deleteRecordsBefore(1);
        append();
        runPool();

        // then: answered at once with the error, far below min_bytes
        assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), partition(future.getNow(null)).errorCode());
        assertEquals(0, handler.waiters().partitions());
    }

    private CompletableFuture<AbstractResponse> fetch(FetchHandler handler, long offset, int maxWaitMs, int minBytes) {
        return fetch(handler, offset, maxWaitMs, minBytes, org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED);
    }

    private CompletableFuture<AbstractResponse> fetch(FetchHandler handler, long offset, int maxWaitMs, int minBytes,
                                                      org.apache.kafka.common.IsolationLevel isolation) {
        FetchRequest body = FetchRequest.Builder.forConsumer(VERSION, maxWaitMs, minBytes,
                Map.of(TP, new FetchRequest.PartitionData(Uuid.ZERO_UUID, offset, 0, 1 << 20, Optional.empty())))
                .isolationLevel(isolation).build(VERSION);
        RequestHeader header = new RequestHeader(ApiKeys.FETCH, VERSION, "test", 1);
        RequestContext ctx = new RequestContext(header, "c", InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS,
                new ListenerName("PLAINTEXT"), SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        return handler.handle(new KafkaRequest(ctx, body, channel.eventLoop(), channel.closeFuture()), body);
    }

    private static MemoryRecords batch() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()));
    }

    private void append() throws Exception {
        PartitionLog log = store.partition(TP);
        store.append(log, batch(), System.currentTimeMillis());
    }

    private void runPool() {
        while (!pool.isEmpty()) {
            pool.poll().run();
        }
    }

    private static PartitionData partition(AbstractResponse response) {
        return ((FetchResponse) response).data().responses().get(0).partitions().get(0);
    }
}
