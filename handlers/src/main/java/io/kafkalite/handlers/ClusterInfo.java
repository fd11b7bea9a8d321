package io.kafkalite.handlers;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.network.ListenerName;

/**
 * Who this broker is: node id, cluster id and, per listener, the endpoint clients are told to use. A
 * client is answered with the advertised address of the listener it connected to, as in Kafka.
 */
public final class ClusterInfo {
    private final int nodeId;
    private final String clusterId;
    private final Map<ListenerName, Node> endpoints = new ConcurrentHashMap<>();
    private volatile Node first;
    private volatile Function<ListenerName, Node> coordinator = this::self;

    public ClusterInfo(int nodeId, String clusterId) {
        this.nodeId = nodeId;
        this.clusterId = clusterId;
    }

    /** A broker with one listener (tests). */
    public ClusterInfo(int nodeId, String clusterId, String host, int port) {
        this(nodeId, clusterId);
        advertise(new ListenerName("PLAINTEXT"), host, port);
    }

    public int nodeId() {
        return nodeId;
    }

    public String clusterId() {
        return clusterId;
    }

    /** This broker as clients of that listener should reach it (its advertised listener). */
    public Node self(ListenerName listener) {
        Node node = endpoints.get(listener);
        return node != null ? node : first;
    }

    /** Set once each listener is bound, since the advertised port may come from {@code :0}. */
    public void advertise(ListenerName listener, String host, int port) {
        Node node = new Node(nodeId, host, port);
        endpoints.put(listener, node);
        if (first == null) {
            first = node;
        }
    }

    /**
     * The broker that coordinates every group and transactional id, as clients of that listener reach it: this broker
     * on its own; in a cluster the quorum leader's broker (null while there is none).
     */
    public Node coordinator(ListenerName listener) {
        return coordinator.apply(listener);
    }

    /** In a cluster: where {@link #coordinator} looks the coordinator up. */
    public void coordinatorLocator(Function<ListenerName, Node> locator) {
        this.coordinator = locator;
    }
}
