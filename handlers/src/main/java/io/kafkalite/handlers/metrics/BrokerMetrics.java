package io.kafkalite.handlers.metrics;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.KafkaRequest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's metrics, with Kafka's names and meanings: BrokerTopicMetrics ({@link TopicStats}), RequestMetrics
 * (RequestsPerSec per version and TotalTimeMs, per request name as Kafka names them: Fetch also as FetchConsumer or
 * FetchFollower), ReplicaManager and KafkaController gauges as one broker has them, and consumer lag
 * ({@link ConsumerLag}). Counting is lock-free and allocation-free on the request path; everything else (rates,
 * histogram windows, consumer lag, the JMX MBeans and other {@link Exposition}s) happens on one {@code metrics}
 * thread every {@link Meter#TICK_SECONDS} s, which {@link #start} starts. Without it (handler tests) only counting runs.
 */
public final class BrokerMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerMetrics.class);
    public static final String JMX_ENABLE = "kafkalite.metrics.jmx.enable";
    public static final String LAG_MAX_PARTITIONS = "kafkalite.metrics.consumer.lag.max.partitions";
    public static final String LAG_INTERVAL_MS = "kafkalite.metrics.consumer.lag.interval.ms";
    public static final String PROMETHEUS_PORT = "kafkalite.metrics.prometheus.port";
    public static final String PROMETHEUS_HOST = "kafkalite.metrics.prometheus.host";

    private static final int MAX_API_ID = Arrays.stream(ApiKeys.values()).mapToInt(k -> k.id).max().orElse(0);
    private static final int FETCH_CONSUMER = MAX_API_ID + 1;
    private static final int FETCH_FOLLOWER = MAX_API_ID + 2;
    private static final int TXN_VERIFICATION = MAX_API_ID + 3;

    private final LogStore store;
    private final TopicStats topics;
    private final AtomicReferenceArray<RequestMeters> requests = new AtomicReferenceArray<>(TXN_VERIFICATION + 1);
    private final Map<MetricName, Gauge> gauges = new HashMap<>();
    private final ConsumerLag lag;
    private final List<Exposition> expositions = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService thread;

    /** @param groups null for no consumer lag */
    public BrokerMetrics(LogStore store, Coordinators groups, int lagMaxPartitions) {
        this.store = store;
        this.topics = new TopicStats(store);
        this.lag = groups == null ? null : new ConsumerLag(groups, store, lagMaxPartitions);
        gauge("kafka.server", "ReplicaManager", "PartitionCount", this::partitionCount);
        gauge("kafka.server", "ReplicaManager", "LeaderCount", this::partitionCount); // it leads every partition
        gauge("kafka.server", "ReplicaManager", "UnderReplicatedPartitions", () -> 0);
        gauge("kafka.server", "ReplicaManager", "OfflineReplicaCount", this::offlinePartitionCount);
        gauge("kafka.controller", "KafkaController", "ActiveControllerCount", () -> 1);
        gauge("kafka.controller", "KafkaController", "OfflinePartitionsCount", this::offlinePartitionCount); // its only replica is offline
        gauge("kafka.controller", "KafkaController", "GlobalTopicCount", () -> store.topics().size());
        gauge("kafka.controller", "KafkaController", "GlobalPartitionCount", this::partitionCount);
    }

    private void gauge(String domain, String type, String name, java.util.function.LongSupplier value) {
        gauges.put(MetricName.of(domain, type, name), new Gauge(value));
    }

    private long partitionCount() {
        long n = 0;
        for (Topic t : store.topics()) {
            n += t.partitions();
        }
        return n;
    }

    /** Partitions whose log directory is offline (an I/O error there). */
    private long offlinePartitionCount() {
        long n = 0;
        for (Topic t : store.topics()) {
            for (int p = 0; p < t.partitions(); p++) {
                PartitionLog log = store.partition(new TopicPartition(t.name(), p));
                if (log != null && log.isOffline()) {
                    n++;
                }
            }
        }
        return n;
    }

    public TopicStats topics() {
        return topics;
    }

    /** A request is done (its response written): RequestsPerSec and TotalTimeMs of its request name(s). */
    public void completed(KafkaRequest request, long receivedNanos) {
        AbstractRequest body = request.body();
        ApiKeys api = body.apiKey();
        short version = request.context().header.apiVersion();
        long totalMs = (System.nanoTime() - receivedNanos + 500_000) / 1_000_000;
        if (body instanceof FetchRequest fetch) {
            requestMeters(fetch.isFromFollower() ? FETCH_FOLLOWER : FETCH_CONSUMER).completed(version, totalMs);
        } else if (body instanceof AddPartitionsToTxnRequest add && add.allVerifyOnlyRequest()) {
            requestMeters(TXN_VERIFICATION).completed(version, totalMs);
            return;
        }
        requestMeters(api.id).completed(version, totalMs);
    }

    private RequestMeters requestMeters(int slot) {
        RequestMeters m = requests.get(slot);
        if (m == null) {
            requests.compareAndSet(slot, null, new RequestMeters(requestName(slot)));
            m = requests.get(slot);
        }
        return m;
    }

    /** Kafka's RequestMetrics names: the API's name, and the three it adds. */
    private static String requestName(int slot) {
        if (slot == FETCH_CONSUMER) {
            return "FetchConsumer";
        } else if (slot == FETCH_FOLLOWER) {
            return "FetchFollower";
        } else if (slot == TXN_VERIFICATION) {
            return "AddPartitionsToTxnVerification";
        }
        return ApiKeys.forId(slot).name;
    }

    /**
     * Starts the metrics thread; with {@code jmx}, the MBeans are registered from it, from its first tick on.
     * @param lagIntervalMs how often consumer lag is computed (it copies every committed offset on the coordinator thread)
     */
    public synchronized void start(boolean jmx, long lagIntervalMs) {
        if (thread != null) {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metrics");
            t.setDaemon(true);
            return t;
        });
        if (jmx) { // from the first tick: starting the platform MBean server (~0.1 s of CPU) stays out of start-up
            thread.schedule(() -> addExposition(new JmxExposition()), Meter.TICK_SECONDS, TimeUnit.SECONDS);
        }
        thread.scheduleAtFixedRate(this::tick, Meter.TICK_SECONDS, Meter.TICK_SECONDS, TimeUnit.SECONDS);
        if (lag != null) {
            ScheduledExecutorService t = thread;
            thread.scheduleWithFixedDelay(() -> lag.refresh(t), lagIntervalMs, lagIntervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private void tick() {
        try {
            topics.tick();
            for (int i = 0; i < requests.length(); i++) {
                RequestMeters m = requests.get(i);
                if (m != null) {
                    m.tick();
                }
            }
            sync();
        } catch (RuntimeException e) { // a failed tick must not end the schedule
            log.warn("Metrics tick failed", e);
        }
    }

    /** Shows the metrics there too, from now on. */
    public void addExposition(Exposition exposition) {
        expositions.add(exposition);
        sync();
    }

    /** Drops deleted topics' meters and brings every exposition up to date (the thread does it every tick). */
    public synchronized void sync() {
        topics.prune();
        Map<MetricName, Object> metrics = metrics();
        for (Exposition e : expositions) {
            e.sync(metrics);
        }
    }

    /** Every metric now, by name. */
    public Map<MetricName, Object> metrics() {
        Map<MetricName, Object> metrics = new HashMap<>(gauges);
        topics.addTo(metrics);
        for (int i = 0; i < requests.length(); i++) {
            RequestMeters m = requests.get(i);
            if (m != null) {
                m.addTo(metrics);
            }
        }
        if (lag != null) {
            lag.addTo(metrics);
        }
        return metrics;
    }

    /** Stops the thread and removes the MBeans (and whatever other expositions show). */
    @Override
    public void close() {
        ScheduledExecutorService t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.shutdownNow();
            try {
                t.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            expositions.forEach(Exposition::close);
            expositions.clear();
        }
    }
}
