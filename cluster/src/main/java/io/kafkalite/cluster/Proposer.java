package io.kafkalite.cluster;

import io.kafkalite.cluster.MetadataQuorum.ApplyResult;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's proposals, through a Ratis client (ordered: they apply in the order they were submitted). Up to
 * {@link #MAX_MESSAGES_IN_FLIGHT} log entries are in flight; the proposals submitted meanwhile wait and go together
 * as the next entry, so a burst (offset commits) costs a few Raft rounds, not one each. A proposal's future completes
 * once its entry is applied on this node, on the {@code metadata-quorum-callbacks} thread (never on a Ratis network
 * thread nor the apply thread): continuations must be short and never wait for another proposal.
 */
final class Proposer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Proposer.class);
    /** Proposals awaiting their outcome; more fail at once (retriably). */
    static final int MAX_IN_FLIGHT = 1000;
    static final int MAX_MESSAGES_IN_FLIGHT = 4;
    private static final int MAX_BATCH = 256;
    /** A proposal that got no outcome in this time fails with a (retriable) timeout; it may still apply later. */
    private static final long SUBMIT_TIMEOUT_MS = 15_000;

    private record Proposal(MetadataRecord record, CompletableFuture<ApplyResult> result) { }

    private final RaftGroup group;
    private final MetadataStateMachine stateMachine;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metadata-quorum-callbacks");
        t.setDaemon(true);
        return t;
    });
    /** Replaced after a failed entry: Ratis' ordered client refuses every request after one failed for good. */
    private volatile RaftClient client;
    // guarded by this
    private final ArrayDeque<Proposal> queue = new ArrayDeque<>();
    private int messagesInFlight;
    private boolean closed;

    Proposer(RaftGroup group, MetadataStateMachine stateMachine) {
        this.group = group;
        this.stateMachine = stateMachine;
        this.client = newClient(group);
    }

    private static RaftClient newClient(RaftGroup group) {
        return RaftClient.newBuilder().setRaftGroup(group).setProperties(RatisProperties.client())
                .setRetryPolicy(RatisProperties.clientRetryPolicy()).build();
    }

    /** The current client, for read-only queries. */
    RaftClient client() {
        return client;
    }

    CompletableFuture<ApplyResult> submit(MetadataRecord record) {
        if (!inFlight.tryAcquire()) {
            return CompletableFuture.failedFuture(new TimeoutException("Too many metadata proposals in flight (" + MAX_IN_FLIGHT + ")"));
        }
        CompletableFuture<ApplyResult> result = new CompletableFuture<>();
        result.whenComplete((r, e) -> inFlight.release());
        synchronized (this) {
            if (closed) {
                result.completeExceptionally(new NotControllerException("The metadata quorum of this node is closed"));
                return result;
            }
            queue.add(new Proposal(record, result));
        }
        sendQueued();
        return result.orTimeout(SUBMIT_TIMEOUT_MS, TimeUnit.MILLISECONDS).exceptionallyCompose(e ->
                CompletableFuture.failedFuture(e instanceof java.util.concurrent.TimeoutException
                        ? new TimeoutException("No outcome from the metadata quorum within " + SUBMIT_TIMEOUT_MS + " ms for "
                        + record.getClass().getSimpleName())
                        : e));
    }

    /** Sends what is queued, as entries of up to MAX_BATCH records, while fewer than MAX_MESSAGES_IN_FLIGHT are out. */
    private void sendQueued() {
        synchronized (this) { // sending under the lock keeps the entries in queue order
            while (!closed && messagesInFlight < MAX_MESSAGES_IN_FLIGHT && !queue.isEmpty()) {
                List<Proposal> batch = new ArrayList<>();
                while (batch.size() < MAX_BATCH && !queue.isEmpty()) {
                    batch.add(queue.poll());
                }
                messagesInFlight++;
                RaftClient c = client;
                CompletableFuture<RaftClientReply> sent;
                try {
                    byte[] entry = MetadataRecordCodec.encodeEntry(batch.stream().map(Proposal::record).toList());
                    sent = c.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)));
                } catch (RuntimeException e) {
                    sent = CompletableFuture.failedFuture(e);
                }
                sent.whenComplete((reply, error) -> onCallbackThread(() -> onReply(c, batch, reply, error)));
            }
        }
    }

    private void onReply(RaftClient c, List<Proposal> batch, RaftClientReply reply, Throwable error) {
        synchronized (this) {
            messagesInFlight--;
        }
        if (error != null || !reply.isSuccess()) {
            RuntimeException e = translate(error != null ? error : reply.getException());
            replaceClient(c);
            batch.forEach(p -> p.result().completeExceptionally(e));
        } else {
            List<ApplyResult> results = MetadataRecordCodec.decodeResults(reply.getMessage().getContent().toByteArray());
            long index = reply.getLogIndex();
            stateMachine.whenApplied(index).whenComplete((v, e) -> onCallbackThread(() -> {
                for (int i = 0; i < batch.size(); i++) {
                    if (e != null) {
                        batch.get(i).result().completeExceptionally(translate(e));
                    } else {
                        batch.get(i).result().complete(i < results.size() ? results.get(i)
                                : new ApplyResult(Errors.UNKNOWN_SERVER_ERROR, "No outcome for this record", index, -1));
                    }
                }
            }));
        }
        sendQueued();
    }

    private void replaceClient(RaftClient failed) {
        synchronized (this) {
            if (closed || client != failed) {
                return;
            }
            client = newClient(group);
        }
        closeQuietly(failed); // its requests all failed already
    }

    private static void closeQuietly(RaftClient c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            log.debug("Closing a metadata quorum client: {}", e.toString());
        }
    }

    void onCallbackThread(Runnable r) {
        try {
            callbacks.execute(r);
        } catch (RejectedExecutionException closing) {
            r.run();
        }
    }

    /** Kafka's retriable errors for what Ratis reports: no leader / not the leader / closed, and timeouts. */
    static RuntimeException translate(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof org.apache.kafka.common.errors.ApiException api) {
            return api;
        }
        if (e instanceof StateMachineException) {
            return new UnknownServerException("The metadata quorum could not apply the record: " + e.getMessage());
        }
        if (e instanceof org.apache.ratis.protocol.exceptions.TimeoutIOException || e instanceof java.util.concurrent.TimeoutException) {
            return new TimeoutException("The metadata quorum did not answer in time: " + e.getMessage());
        }
        return new NotControllerException("No metadata quorum leader reachable: " + e);
    }

    @Override
    public void close() {
        List<Proposal> pending;
        synchronized (this) {
            closed = true;
            pending = new ArrayList<>(queue);
            queue.clear();
        }
        NotControllerException e = new NotControllerException("The metadata quorum of this node is closing");
        pending.forEach(p -> p.result().completeExceptionally(e));
        closeQuietly(client);
        callbacks.shutdown();
    }
}
