package io.kafkalite.broker;

import io.kafkalite.cluster.BrokerHeartbeats;
import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.QuorumConfig;
import io.kafkalite.cluster.RatisMetadataQuorum;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.handlers.ClusterInfo;
import io.kafkalite.handlers.BackgroundElections;
import io.kafkalite.handlers.ReplicaPlacer;
import io.kafkalite.handlers.TopicReconciler;
import io.kafkalite.handlers.replication.InterBrokerListener;
import io.kafkalite.handlers.replication.InterBrokerSecurity;
import io.kafkalite.handlers.replication.ReplicaFetcherManager;
import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's cluster-mode parts (several voters in {@code controller.quorum.voters}): the metadata quorum, started
 * before the listeners serve; the {@link TopicReconciler} that keeps the log store at the image's topics; replication
 * ({@link ReplicaManager}, {@link ReplicaFetcherManager}); the broker's registration and heartbeats once its listeners
 * are bound. A one-node setup has none of this ({@link QuorumConfig#parse} gives null).
 */
final class ClusterMode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterMode.class);

    /** How the metadata quorum starts and how this broker registers with it: Ratis, or an in-JVM quorum in tests. */
    interface QuorumStarter {
        /** Starts this node's member of the quorum; {@code localMaps} are the tables replicated map writes go to. */
        MetadataQuorum start(QuorumConfig config, Function<String, DurableMap> localMaps) throws Exception;

        /** Registers the broker (its client endpoints by listener name, its rack) and keeps it alive until closed. */
        Registration register(MetadataQuorum quorum, int nodeId, Map<String, BrokerRegistration.HostPort> endpoints, String rack,
                              BrokerConfig config);
    }

    /** A running registration: the incarnation it registered with; close = controlled shutdown. */
    interface Registration extends AutoCloseable {
        long incarnation();

        @Override
        void close();
    }

    static final QuorumStarter RATIS = new QuorumStarter() {
        @Override
        public MetadataQuorum start(QuorumConfig config, Function<String, DurableMap> localMaps) throws Exception {
            return RatisMetadataQuorum.start(config, localMaps);
        }

        @Override
        public Registration register(MetadataQuorum quorum, int nodeId, Map<String, BrokerRegistration.HostPort> endpoints, String rack,
                                     BrokerConfig config) {
            BrokerHeartbeats heartbeats = BrokerHeartbeats.start((RatisMetadataQuorum) quorum, nodeId, endpoints, rack,
                    (Integer) config.value("broker.heartbeat.interval.ms"), (Integer) config.value("broker.session.timeout.ms"));
            return new Registration() {
                @Override
                public long incarnation() {
                    return heartbeats.incarnation();
                }

                @Override
                public void close() {
                    heartbeats.close();
                }
            };
        }
    };

    private final int nodeId;
    private final QuorumStarter starter;
    private final MetadataQuorum quorum;
    private final TopicReconciler reconciler;
    private final BackgroundElections elections;
    private final InterBrokerSecurity interBroker;
    private ReplicaFetcherManager fetchers;
    private ReplicaManager replicas;
    private volatile Registration registration;

    private ClusterMode(int nodeId, QuorumStarter starter, MetadataQuorum quorum, LogStore store, InterBrokerSecurity interBroker) {
        this.nodeId = nodeId;
        this.interBroker = interBroker;
        this.starter = starter;
        this.quorum = quorum;
        this.reconciler = new TopicReconciler(store, quorum, nodeId, this::caughtUp);
        this.elections = new BackgroundElections(quorum, store);
    }

    /** Stops the start-up when the log directories belong to another cluster than the quorum's. */
    static void checkClusterId(String storeId, String quorumId, String where) {
        if (!storeId.equals(quorumId)) {
            throw new ConfigException("The log directories belong to cluster " + storeId + " but the metadata quorum's cluster is "
                    + quorumId + " (" + where + "): use the log directories of this cluster, or set cluster.id to " + storeId
                    + " on every node of a new cluster");
        }
    }

    /**
     * Starts the quorum, the reconciler and replication; the listeners are not serving yet. The inter-broker
     * listener's client side is set up first, so settings it cannot honour stop the start before anything runs.
     */
    static ClusterMode start(QuorumConfig config, QuorumStarter starter, Function<String, DurableMap> localMaps, LogStore store,
                             ClusterInfo cluster, BrokerConfig brokerConfig) throws Exception {
        InterBrokerSecurity interBroker = InterBrokerSecurity.of(brokerConfig);
        MetadataQuorum quorum = starter.start(config, localMaps);
        ClusterMode mode = new ClusterMode(config.nodeId(), starter, quorum, store, interBroker);
        try {
            String expected = store.clusterId();
            String agreed = quorum.image().clusterId();
            if (agreed != null) {
                checkClusterId(expected, agreed, "in its log");
            }
            quorum.subscribe(image -> {
                if (image.clusterId() != null && !image.clusterId().equals(expected)) {
                    log.error("The metadata quorum's cluster id {} is not this broker's {} (log directories of another cluster?)",
                            image.clusterId(), expected);
                }
            });
            cluster.followQuorum(quorum);
            cluster.voters(config.controllerListener(), config.voters());
            mode.reconciler.start();
            mode.fetchers = new ReplicaFetcherManager(config.nodeId(),
                    id -> InterBrokerListener.address(quorum.image(), id, interBroker.listener()), brokerConfig, interBroker, store);
            mode.replicas = new ReplicaManager(store, quorum, config.nodeId(), brokerConfig, mode.fetchers, mode::registeredIn);
            mode.replicas.start();
            mode.elections.start((Boolean) brokerConfig.value("auto.leader.rebalance.enable")
                    ? TimeUnit.SECONDS.toMillis((Long) brokerConfig.value("leader.imbalance.check.interval.seconds")) : -1,
                    (Long) brokerConfig.value("unclean.leader.election.interval.ms"));
            return mode;
        } catch (Exception | Error e) {
            mode.close();
            throw e;
        }
    }

    MetadataQuorum quorum() {
        return quorum;
    }

    ReplicaManager replicas() {
        return replicas;
    }

    /** How this broker's connections to other brokers are secured. */
    InterBrokerSecurity interBroker() {
        return interBroker;
    }

    /** Registers this broker with its advertised client endpoints and rack, once the listeners are bound; then heartbeats. */
    void register(Map<String, BrokerRegistration.HostPort> endpoints, String rack, BrokerConfig config) {
        registration = starter.register(quorum, nodeId, endpoints, rack, config);
        // the registration may have applied before this assignment: both followers look at the latest image again
        replicas.registrationChanged();
        reconciler.recheck();
    }

    /**
     * For an in-JVM quorum without heartbeats (tests): registers once and unfences at once; never fenced.
     */
    static Registration registerOnce(MetadataQuorum quorum, int nodeId, Map<String, BrokerRegistration.HostPort> endpoints, String rack) {
        long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
        quorum.submit(new MetadataRecord.RegisterBroker(nodeId, incarnation, endpoints, rack))
                .thenCompose(r -> quorum.submit(new MetadataRecord.UnfenceBroker(nodeId, incarnation)))
                .whenComplete((r, e) -> {
                    if (e != null || r.error() != Errors.NONE) {
                        log.warn("Registering broker {} failed: {}", nodeId, e != null ? e : r.message());
                    }
                });
        return new Registration() {
            @Override
            public long incarnation() {
                return incarnation;
            }

            @Override
            public void close() { }
        };
    }

    /** Whether the image is current: this run of the broker is registered and unfenced (so it caught up). */
    private boolean caughtUp() {
        return registeredIn(quorum.image());
    }

    /** Whether {@code image} holds this run of the broker registered and unfenced (every image after it is current). */
    private boolean registeredIn(MetadataImage image) {
        Registration r = registration;
        BrokerRegistration self = image.broker(nodeId);
        return r != null && self != null && self.incarnation() == r.incarnation() && !self.fenced();
    }

    /** {@link Broker#createTopic} in cluster mode: placed over the unfenced brokers, proposed, and present locally on return. */
    void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        MetadataImage image = quorum.image();
        var assignments = new ReplicaPlacer().place(image.brokers().values(), partitions, replicationFactor);
        try {
            MetadataQuorum.ApplyResult r = quorum.submit(new MetadataRecord.CreateTopic(name, Uuid.randomUuid(), new HashMap<>(configs),
                    assignments)).get(30, TimeUnit.SECONDS);
            if (r.error() != Errors.NONE) {
                throw new IllegalArgumentException(r.message());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reconciler.reconciledIndex() < r.index() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Creating topic " + name + " through the metadata quorum failed: " + e, e);
        }
    }

    /** Controlled shutdown: leaderships move away while this broker still serves (call before the listeners close). */
    void controlledShutdown() {
        Registration r = registration;
        registration = null;
        if (r != null) {
            r.close();
        }
    }

    /** After {@link #controlledShutdown}, in Kafka's order: the fetchers, the replicas, the reconciler, the quorum last. */
    @Override
    public void close() {
        controlledShutdown();
        elections.close();
        if (fetchers != null) {
            fetchers.close();
        }
        if (replicas != null) {
            replicas.close();
        }
        reconciler.close();
        quorum.close();
    }
}
