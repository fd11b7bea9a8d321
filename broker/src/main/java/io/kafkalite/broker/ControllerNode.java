package io.kafkalite.broker;

import io.kafkalite.cluster.BrokerHeartbeats;
import io.kafkalite.cluster.QuorumConfig;
import io.kafkalite.cluster.RatisMetadataQuorum;
import io.kafkalite.handlers.BackgroundElections;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.handlers.coordination.ReplicatedTables;
import io.kafkalite.logstore.LogStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller-only node ({@code process.roles=controller}): a voter of the metadata quorum on its CONTROLLER
 * listener and, while it leads, the quorum leader's duties: fencing brokers whose heartbeats stop, and the background
 * preferred and unclean leader elections. It serves no Kafka clients, holds no partitions, registers as no broker and
 * runs no coordinators (they are on a broker: {@code CoordinatorSeat}). Its log directory keeps meta.properties and
 * the replicated tables the quorum applies (which its snapshots carry to other nodes).
 */
public final class ControllerNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerNode.class);

    private final LogStore store;
    private final ReplicatedTables tables;
    private final RatisMetadataQuorum quorum;
    private final BrokerHeartbeats fencing;
    private final BackgroundElections elections;

    private ControllerNode(LogStore store, ReplicatedTables tables, RatisMetadataQuorum quorum, BrokerHeartbeats fencing,
                           BackgroundElections elections) {
        this.store = store;
        this.tables = tables;
        this.quorum = quorum;
        this.fencing = fencing;
        this.elections = elections;
    }

    /** Whether these properties describe a controller-only node (Main starts it instead of a broker). */
    static boolean isControllerOnly(Map<String, String> props) {
        QuorumConfig q = QuorumConfig.parse(props);
        return q != null && !q.isBroker();
    }

    public static ControllerNode start(Map<String, String> props) throws Exception {
        BrokerConfig config = new BrokerConfig(KafkaClassNames.relocate(props));
        QuorumConfig quorumConfig = QuorumConfig.parse(config.originals());
        if (quorumConfig == null || quorumConfig.isBroker()) {
            throw new ConfigException("process.roles", props.get("process.roles"), "not a controller-only node");
        }
        Map<String, String> storeProps = new HashMap<>(config.originals());
        storeProps.put(LogStore.CLUSTER_ID_CONFIG, quorumConfig.clusterId());
        LogStore store = LogStore.open(config.logDirs().stream().map(Path::of).toList(), storeProps);
        ReplicatedTables tables = new ReplicatedTables(store::durableMap);
        RatisMetadataQuorum quorum = null;
        BrokerHeartbeats fencing = null;
        try {
            ClusterMode.checkClusterId(store.clusterId(), quorumConfig.clusterId(), "cluster.id, meta.properties or derived from "
                    + "controller.quorum.voters");
            quorum = RatisMetadataQuorum.start(quorumConfig, tables::local);
            String agreed = quorum.image().clusterId();
            if (agreed != null) {
                ClusterMode.checkClusterId(store.clusterId(), agreed, "in its log");
            }
            fencing = BrokerHeartbeats.leaderSide(quorum, (Integer) config.value("broker.session.timeout.ms"));
            BackgroundElections elections = new BackgroundElections(quorum, store);
            elections.start((Boolean) config.value("auto.leader.rebalance.enable")
                    ? TimeUnit.SECONDS.toMillis((Long) config.value("leader.imbalance.check.interval.seconds")) : -1,
                    (Long) config.value("unclean.leader.election.interval.ms"));
            log.info("Controller {} of cluster {} started", quorumConfig.nodeId(), store.clusterId());
            return new ControllerNode(store, tables, quorum, fencing, elections);
        } catch (Exception | Error e) {
            if (fencing != null) {
                fencing.close();
            }
            if (quorum != null) {
                quorum.close();
            }
            tables.close();
            store.close();
            throw e;
        }
    }

    /** The node's member of the metadata quorum. */
    public RatisMetadataQuorum quorum() {
        return quorum;
    }

    @Override
    public void close() {
        elections.close();
        fencing.close();
        quorum.close();
        tables.close();
        store.close();
        log.info("Controller shut down cleanly");
    }
}
