package io.kafkalite.handlers.replication;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acks=all produces waiting for the ISR (Kafka's produce purgatory): each partition's are parked on its
 * {@link PartitionReplication}, their timeouts run on {@code timer}, and their number is capped.
 */
final class DelayedProduces {
    private static final Logger log = LoggerFactory.getLogger(DelayedProduces.class);

    private final ScheduledExecutorService timer;
    private final int max;
    private final AtomicInteger parked = new AtomicInteger();

    DelayedProduces(ScheduledExecutorService timer, int max) {
        this.timer = timer;
        this.max = max;
    }

    /**
     * Parks a wait until {@code r}'s high watermark reaches {@code requiredOffset}:
     * REQUEST_TIMED_OUT after {@code timeoutMs} or at once beyond the cap; NOT_LEADER_OR_FOLLOWER unless this node
     * still leads at {@code epoch}.
     */
    CompletableFuture<Errors> await(PartitionReplication r, int epoch, long requiredOffset, int minIsr, long timeoutMs) {
        if (parked.incrementAndGet() > max) {
            parked.decrementAndGet();
            log.warn("{} acks=all produces wait already: answering REQUEST_TIMED_OUT for {}", max, r.tp);
            return CompletableFuture.completedFuture(Errors.REQUEST_TIMED_OUT);
        }
        ParkedProduce p = new ParkedProduce(requiredOffset, minIsr, parked::decrementAndGet);
        if (!r.park(p, epoch)) {
            p.complete(Errors.NOT_LEADER_OR_FOLLOWER);
            return p.future;
        }
        try {
            p.timeout(timer.schedule(() -> {
                r.unpark(p);
                p.complete(Errors.REQUEST_TIMED_OUT);
            }, Math.max(0, timeoutMs), TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException e) { // shutting down
            r.unpark(p);
            p.complete(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        // read after parking: a move just before it completed what was parked then, not this one
        completeReached(r, r.log.highWatermark());
        return p.future;
    }

    /** Completes the produces of {@code r} that high watermark {@code hw} passed. */
    void completeReached(PartitionReplication r, long hw) {
        for (Map.Entry<ParkedProduce, Errors> done : r.reached(hw)) {
            done.getKey().complete(done.getValue());
        }
    }

    /** Completes every produce parked on {@code r} with {@code error} (leadership lost). */
    void failAll(PartitionReplication r, Errors error) {
        for (ParkedProduce p : r.drainParked()) {
            p.complete(error);
        }
    }

    int parked() {
        return parked.get();
    }
}
