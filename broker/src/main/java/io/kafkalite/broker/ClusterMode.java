package io.kafkalite.broker;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.QuorumConfig;
import io.kafkalite.handlers.ClusterInfo;
import io.kafkalite.handlers.ReplicaPlacer;
import io.kafkalite.handlers.TopicReconciler;
import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's cluster-mode parts (several voters in {@code controller.quorum.voters}): the metadata quorum, started
 * before the listeners serve; the {@link TopicReconciler} that keeps the log store at the image's topics; the broker's
 * registration once its listeners are bound. A one-node setup has none of this ({@link #parse} gives null).
 */
final class ClusterMode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterMode.class);

    /** Starts this node's member of the metadata quorum; {@code localMaps} are the tables replicated map writes go to. */
    interface QuorumStarter {
        MetadataQuorum start(QuorumConfig config, Function<String, DurableMap> localMaps) throws Exception;
    }

    /** Ratis: the real quorum (branch ratis). */
    static final QuorumStarter RATIS = (config, localMaps) -> {
        // TODO(lead, when branch ratis lands): return RatisMetadataQuorum.start(config, localMaps, ...);
        throw new ConfigException("Cluster mode (several controller.quorum.voters) needs the Ratis metadata quorum, not built yet");
    };

    private final int nodeId;
    private final long incarnation = ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
    private final MetadataQuorum quorum;
    private final TopicReconciler reconciler;

    private ClusterMode(int nodeId, MetadataQuorum quorum, LogStore store) {
        this.nodeId = nodeId;
        this.quorum = quorum;
        this.reconciler = new TopicReconciler(store, quorum, this::caughtUp);
    }

    /**
     * The quorum settings, or null for a one-node setup.
     * TODO(lead, when branch ratis lands): replace the body by {@code return QuorumConfig.parse(props);}. Until then a
     * minimal parse: {@code controller.quorum.voters} ({@code id@host:port,...}) with more than one voter.
     */
    static QuorumConfig parse(Map<String, String> props, int nodeId) {
        String voters = props.getOrDefault("controller.quorum.voters", "").trim();
        if (voters.isEmpty() || !props.containsKey("process.roles")) {
            return null;
        }
        Map<Integer, BrokerRegistration.HostPort> parsed = new TreeMap<>();
        for (String v : voters.split("\\s*,\\s*")) {
            int at = v.indexOf('@');
            int colon = v.lastIndexOf(':');
            if (at <= 0 || colon < at) {
                throw new ConfigException("controller.quorum.voters", voters, "expected id@host:port,...");
            }
            parsed.put(Integer.parseInt(v.substring(0, at)), new BrokerRegistration.HostPort(v.substring(at + 1, colon),
                    Integer.parseInt(v.substring(colon + 1))));
        }
        if (parsed.size() == 1 && parsed.containsKey(nodeId)) {
            return null; // one voter that is this node: a single broker, as always
        }
        if (!parsed.containsKey(nodeId)) {
            throw new ConfigException("controller.quorum.voters", voters, "node.id " + nodeId + " is not a voter");
        }
        String controller = props.getOrDefault("controller.listener.names", "CONTROLLER").split(",")[0].trim().toUpperCase(Locale.ROOT);
        String dirs = props.getOrDefault("log.dirs", props.getOrDefault("log.dir", "./data"));
        Path metadataDir = Path.of(dirs.split(",")[0].trim(), "__cluster_metadata-0");
        return new QuorumConfig(nodeId, Set.of(props.get("process.roles").split("\\s*,\\s*")), parsed, controller,
                parsed.get(nodeId), metadataDir);
    }

    /**
     * The cluster id every node of the quorum agrees on without talking: {@code cluster.id} when configured (as
     * {@code kafka-storage format} gives it), else derived from the voter list. The log store must hold the same.
     * TODO(lead, when branch ratis lands): use the quorum's own derivation if it differs.
     */
    static String clusterId(QuorumConfig config, Map<String, String> props) {
        String configured = props.getOrDefault(LogStore.CLUSTER_ID_CONFIG, "").trim();
        if (!configured.isEmpty()) {
            return configured;
        }
        StringBuilder voters = new StringBuilder();
        config.voters().forEach((id, hp) -> voters.append(id).append('@').append(hp.host()).append(':').append(hp.port()).append(','));
        UUID derived = UUID.nameUUIDFromBytes(voters.toString().getBytes(StandardCharsets.UTF_8));
        return new Uuid(derived.getMostSignificantBits(), derived.getLeastSignificantBits()).toString();
    }

    /** Stops the start-up when the log directories belong to another cluster than the quorum's. */
    static void checkClusterId(String storeId, String quorumId, String where) {
        if (!storeId.equals(quorumId)) {
            throw new ConfigException("The log directories belong to cluster " + storeId + " but the metadata quorum's cluster is "
                    + quorumId + " (" + where + "): use the log directories of this cluster, or set cluster.id to " + storeId
                    + " on every node of a new cluster");
        }
    }

    /** Starts the quorum and the reconciler; the listeners are not serving yet. */
    static ClusterMode start(QuorumConfig config, QuorumStarter starter, Function<String, DurableMap> localMaps, LogStore store,
                             ClusterInfo cluster) throws Exception {
        MetadataQuorum quorum = starter.start(config, localMaps);
        ClusterMode mode = new ClusterMode(config.nodeId(), quorum, store);
        try {
            String expected = store.clusterId();
            String agreed = quorum.image().clusterId();
            if (agreed != null) {
                checkClusterId(expected, agreed, "in its log");
            } else {
                quorum.submit(new MetadataRecord.InitCluster(expected)); // ignored if another node's came first
            }
            quorum.subscribe(image -> {
                if (image.clusterId() != null && !image.clusterId().equals(expected)) {
                    log.error("The metadata quorum's cluster id {} is not this broker's {}: this broker must not serve it",
                            image.clusterId(), expected);
                }
            });
            cluster.followQuorum(quorum);
            mode.reconciler.start();
            return mode;
        } catch (Exception | Error e) {
            mode.close();
            throw e;
        }
    }

    MetadataQuorum quorum() {
        return quorum;
    }

    /**
     * Registers this broker with its advertised endpoints and rack, once the listeners are bound.
     * TODO(lead, when branch ratis lands): BrokerHeartbeats (register, heartbeat, unfence, controlled shutdown on
     * close) replaces this: it registers once and unfences itself, without heartbeats or fencing.
     */
    void register(Map<String, BrokerRegistration.HostPort> endpoints, String rack) {
        quorum.submit(new MetadataRecord.RegisterBroker(nodeId, incarnation, endpoints, rack))
                .thenCompose(r -> quorum.submit(new MetadataRecord.UnfenceBroker(nodeId, incarnation)))
                .whenComplete((r, e) -> {
                    if (e != null || r.error() != Errors.NONE) {
                        log.warn("Registering broker {} with the metadata quorum failed: {}", nodeId, e != null ? e : r.message());
                    }
                });
    }

    /** Whether the image is current: this run of the broker is registered and unfenced (so it caught up). */
    private boolean caughtUp() {
        BrokerRegistration self = quorum.image().broker(nodeId);
        return self != null && self.incarnation() == incarnation && !self.fenced();
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
            awaitReconciled(r.index());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Creating topic " + name + " through the metadata quorum failed: " + e, e);
        }
    }

    private void awaitReconciled(long index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (reconciler.reconciledIndex() < index && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        // TODO(lead, when branch ratis lands): BrokerHeartbeats.close() (controlled shutdown) goes first
        reconciler.close();
        quorum.close();
    }
}
