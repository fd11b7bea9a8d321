package io.kafkalite.cluster;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker liveness, both sides, on one thread ({@code broker-heartbeats}).
 * <p>This broker: registers ({@link MetadataRecord.RegisterBroker} with a random incarnation) at start, then heartbeats
 * to the quorum leader every {@code broker.heartbeat.interval.ms}; once registered, fenced, and its image has caught up
 * with the leader's (the heartbeat's answer), it proposes {@link MetadataRecord.UnfenceBroker}. On close it proposes
 * {@link MetadataRecord.ControlledShutdown} (leaderships move away) and waits for it a little.
 * <p>The quorum leader: remembers each broker's last heartbeat in memory (forgotten on a leadership change: the new
 * leader gives every broker a full session from when it became ready) and proposes {@link MetadataRecord.FenceBroker}
 * for an unfenced broker silent for {@code broker.session.timeout.ms}.
 */
public final class BrokerHeartbeats implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerHeartbeats.class);
    public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 2000;
    public static final long DEFAULT_SESSION_TIMEOUT_MS = 9000;
    private static final long SHUTDOWN_WAIT_MS = 5000;

    private final RatisMetadataQuorum quorum;
    private final int brokerId;
    private final long incarnation = new SecureRandom().nextLong() & Long.MAX_VALUE;
    private final Map<String, BrokerRegistration.HostPort> endpoints;
    private final String rack;
    private final long sessionTimeoutNs;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "broker-heartbeats");
        t.setDaemon(true);
        return t;
    });

    // this broker's side (heartbeat thread only, but futures complete elsewhere: atomics)
    private volatile long registeredIndex = -1;
    private final AtomicBoolean registering = new AtomicBoolean();
    private final AtomicBoolean heartbeating = new AtomicBoolean();
    private final AtomicBoolean unfencing = new AtomicBoolean();

    // the leader's side
    private final Map<Integer, Long> lastHeartbeatNs = new ConcurrentHashMap<>();
    /** The incarnation of each broker when last checked: a new registration starts a full session. */
    private final Map<Integer, Long> seenIncarnations = new ConcurrentHashMap<>();
    private final Set<Integer> fencing = ConcurrentHashMap.newKeySet();
    private volatile long leaderSinceNs;

    private BrokerHeartbeats(RatisMetadataQuorum quorum, int brokerId, Map<String, BrokerRegistration.HostPort> endpoints,
                             String rack, long sessionTimeoutMs) {
        this.quorum = quorum;
        this.brokerId = brokerId;
        this.endpoints = Map.copyOf(endpoints);
        this.rack = rack;
        this.sessionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs);
    }

    /**
     * Starts registering and heartbeating this broker, and watching the others' heartbeats while this node leads.
     *
     * @param endpoints this broker's client listeners (name upper case -> advertised host and port)
     */
    public static BrokerHeartbeats start(RatisMetadataQuorum quorum, int brokerId, Map<String, BrokerRegistration.HostPort> endpoints,
                                         String rack, long heartbeatIntervalMs, long sessionTimeoutMs) {
        BrokerHeartbeats h = new BrokerHeartbeats(quorum, brokerId, endpoints, rack, sessionTimeoutMs);
        h.thread.scheduleWithFixedDelay(h::beat, 0, heartbeatIntervalMs, TimeUnit.MILLISECONDS);
        h.watch();
        return h;
    }

    /** The leader's side alone, for a controller-only node: fences silent brokers while it leads, registers nothing. */
    public static BrokerHeartbeats leaderSide(RatisMetadataQuorum quorum, long sessionTimeoutMs) {
        BrokerHeartbeats h = new BrokerHeartbeats(quorum, -1, Map.of(), null, sessionTimeoutMs);
        h.watch();
        return h;
    }

    private void watch() {
        quorum.onHeartbeat((id, incarnation) -> lastHeartbeatNs.put(id, System.nanoTime()));
        quorum.onLeadership(leader -> {
            lastHeartbeatNs.clear();
            seenIncarnations.clear();
            fencing.clear();
            leaderSinceNs = System.nanoTime();
        });
        leaderSinceNs = System.nanoTime();
        long check = Math.max(100, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(sessionTimeoutNs) / 4));
        thread.scheduleWithFixedDelay(this::fenceSilentBrokers, check, check, TimeUnit.MILLISECONDS);
    }

    public long incarnation() {
        return incarnation;
    }

    private void beat() {
        MetadataImage image = quorum.image();
        BrokerRegistration mine = image.broker(brokerId);
        boolean registered = registeredIndex >= 0 && image.appliedIndex() >= registeredIndex
                && mine != null && mine.incarnation() == incarnation;
        if (!registered && (registeredIndex < 0 || image.appliedIndex() >= registeredIndex)) {
            register(); // not yet, or the registration is gone (replaced by another process with this id)
            return;
        }
        if (registered && heartbeating.compareAndSet(false, true)) {
            quorum.heartbeat(brokerId, incarnation).whenComplete((leaderApplied, e) -> {
                heartbeating.set(false);
                if (e != null) {
                    log.debug("Heartbeat of broker {} not answered: {}", brokerId, e.toString());
                } else {
                    maybeUnfence(leaderApplied);
                }
            });
        }
    }

    private void register() {
        if (!registering.compareAndSet(false, true)) {
            return;
        }
        registeredIndex = -1;
        quorum.submit(new MetadataRecord.RegisterBroker(brokerId, incarnation, endpoints, rack)).whenComplete((r, e) -> {
            registering.set(false);
            if (e != null) {
                log.debug("Registration of broker {} failed (will retry): {}", brokerId, e.toString());
            } else if (r.error() != Errors.NONE) {
                log.warn("Registration of broker {} refused (will retry): {} {}", brokerId, r.error(), r.message());
            } else {
                registeredIndex = r.index();
                log.info("Broker {} registered with incarnation {}", brokerId, incarnation);
                thread.execute(this::beat);
            }
        });
    }

    private void maybeUnfence(long leaderApplied) {
        MetadataImage image = quorum.image();
        BrokerRegistration mine = image.broker(brokerId);
        if (mine == null || mine.incarnation() != incarnation || !mine.fenced() || mine.shuttingDown()
                || image.appliedIndex() < leaderApplied || !unfencing.compareAndSet(false, true)) {
            return;
        }
        quorum.submit(new MetadataRecord.UnfenceBroker(brokerId, incarnation)).whenComplete((r, e) -> {
            unfencing.set(false);
            if (e == null && r.error() == Errors.NONE) {
                log.info("Broker {} unfenced", brokerId);
            } else {
                log.debug("Unfencing of broker {} failed (will retry): {}", brokerId, e != null ? e.toString() : r.error());
            }
        });
    }

    /**
     * On the ready leader: fence every unfenced broker not heard from for a session timeout (counted from the latest
     * of its last heartbeat, its registration as first seen here, and this node becoming leader).
     */
    private void fenceSilentBrokers() {
        if (!quorum.isLeaderReady()) {
            return;
        }
        long now = System.nanoTime();
        for (BrokerRegistration b : quorum.image().brokers().values()) {
            Long seen = seenIncarnations.put(b.id(), b.incarnation());
            if (seen == null || seen != b.incarnation()) {
                lastHeartbeatNs.put(b.id(), now);
            }
            long last = Math.max(leaderSinceNs, lastHeartbeatNs.getOrDefault(b.id(), leaderSinceNs));
            if (b.fenced() || now - last <= sessionTimeoutNs || !fencing.add(b.id())) {
                continue;
            }
            log.info("Fencing broker {}: no heartbeat for {} ms", b.id(), TimeUnit.NANOSECONDS.toMillis(now - last));
            quorum.submit(new MetadataRecord.FenceBroker(b.id())).whenComplete((r, e) -> fencing.remove(b.id()));
        }
    }

    /** Controlled shutdown (waits up to 5 s for it to apply), then stops heartbeating. */
    @Override
    public void close() {
        try {
            if (registeredIndex >= 0) {
                quorum.submit(new MetadataRecord.ControlledShutdown(brokerId, incarnation)).get(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Controlled shutdown of broker {} did not complete: {}", brokerId, e.toString());
        } finally {
            thread.shutdownNow();
        }
    }
}
