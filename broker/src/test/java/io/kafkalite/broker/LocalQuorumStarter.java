package io.kafkalite.broker;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.QuorumConfig;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.logstore.DurableMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Cluster mode without Ratis: brokers of one JVM share a {@link LocalQuorum}; each registers once (no heartbeats). */
final class LocalQuorumStarter implements ClusterMode.QuorumStarter {
    private final LocalQuorum.Log log;
    private final List<MetadataQuorum> started;

    private LocalQuorumStarter(LocalQuorum.Log log, List<MetadataQuorum> started) {
        this.log = log;
        this.started = started;
    }

    /** @param started collects each broker's quorum node, in start order */
    static LocalQuorumStarter of(LocalQuorum.Log log, List<MetadataQuorum> started) {
        return new LocalQuorumStarter(log, started);
    }

    @Override
    public MetadataQuorum start(QuorumConfig config, Function<String, DurableMap> localMaps) {
        MetadataQuorum q = log.node(config.nodeId(), localMaps);
        started.add(q);
        return q;
    }

    @Override
    public ClusterMode.Registration register(MetadataQuorum quorum, int nodeId, Map<String, BrokerRegistration.HostPort> endpoints,
                                             String rack, BrokerConfig config) {
        return ClusterMode.registerOnce(quorum, nodeId, endpoints, rack);
    }
}
