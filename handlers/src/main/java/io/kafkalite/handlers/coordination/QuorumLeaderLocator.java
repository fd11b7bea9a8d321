package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataQuorum;
import java.util.Locale;
import java.util.function.Function;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.network.ListenerName;

/**
 * Where a cluster's coordinator is (for {@code ClusterInfo.coordinatorLocator}): the quorum leader's broker, at its
 * registered endpoint of the client's listener; null (COORDINATOR_NOT_AVAILABLE) while there is no leader or it has
 * not registered that listener yet.
 */
public final class QuorumLeaderLocator implements Function<ListenerName, Node> {
    private final MetadataQuorum quorum;

    public QuorumLeaderLocator(MetadataQuorum quorum) {
        this.quorum = quorum;
    }

    @Override
    public Node apply(ListenerName listener) {
        int leader = quorum.leaderId();
        BrokerRegistration broker = leader < 0 ? null : quorum.image().broker(leader);
        if (broker == null) {
            return null;
        }
        BrokerRegistration.HostPort endpoint = broker.endpoints().get(listener.value().toUpperCase(Locale.ROOT));
        return endpoint == null ? null : new Node(leader, endpoint.host(), endpoint.port());
    }
}
