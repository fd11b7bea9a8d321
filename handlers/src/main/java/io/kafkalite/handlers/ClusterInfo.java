package io.kafkalite.handlers;

import org.apache.kafka.common.Node;

/** Who this broker is: node id, cluster id and the endpoint clients are told to use. */
public final class ClusterInfo {
    private final int nodeId;
    private final String clusterId;
    private volatile Node self;

    public ClusterInfo(int nodeId, String clusterId, String host, int port) {
        this.nodeId = nodeId;
        this.clusterId = clusterId;
        this.self = new Node(nodeId, host, port);
    }

    public int nodeId() {
        return nodeId;
    }

    public String clusterId() {
        return clusterId;
    }

    /** This broker as clients should reach it (the advertised listener). */
    public Node self() {
        return self;
    }

    /** Set once the listener is bound, when the advertised port comes from {@code :0}. */
    public void advertise(String host, int port) {
        this.self = new Node(nodeId, host, port);
    }
}
