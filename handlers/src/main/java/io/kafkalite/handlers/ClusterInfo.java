package io.kafkalite.handlers;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    private volatile MetadataQuorum quorum; // null on one broker
    private volatile java.util.function.IntSupplier coordinator; // null: the quorum's leader
    private volatile String controllerListener;
    private volatile Map<Integer, BrokerRegistration.HostPort> voters = Map.of();

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

    /** The cluster metadata's id in cluster mode (the store was checked to hold the same), else the store's. */
    public String clusterId() {
        MetadataQuorum q = quorum;
        String agreed = q == null ? null : q.image().clusterId();
        return agreed != null ? agreed : clusterId;
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

    // ---------------------------------------------------------------- cluster mode

    /** Cluster mode: the other brokers and the controller come from the cluster metadata from now on. */
    public void followQuorum(MetadataQuorum quorum) {
        this.quorum = quorum;
    }

    /** The cluster metadata, null on one broker. */
    public MetadataQuorum quorum() {
        return quorum;
    }

    /** Where the coordinators run ({@code CoordinatorSeat#holder}); until set, the quorum's leader. */
    public void coordinatorAt(java.util.function.IntSupplier holder) {
        this.coordinator = holder;
    }

    /**
     * The controller clients are told of: the quorum's leader when it is a registered broker, else (a controller-only
     * node leads, which clients cannot reach) an unfenced broker, which forwards controller requests as Kafka's do; -1
     * while there is none. This broker on its own.
     */
    public int controllerId() {
        MetadataQuorum q = quorum;
        if (q == null) {
            return nodeId;
        }
        int leader = q.leaderId();
        MetadataImage image = q.image();
        if (leader < 0 || image.broker(leader) != null) {
            return leader;
        }
        return image.brokers().values().stream().filter(b -> !b.fenced()).mapToInt(BrokerRegistration::id).min().orElse(-1);
    }

    /**
     * The broker that coordinates every group and transactional id, as clients of that listener reach it: this broker
     * on its own; in a cluster the coordinator seat's broker (null while there is none, or it has no such listener).
     */
    public Node coordinator(ListenerName listener) {
        MetadataQuorum q = quorum;
        if (q == null) {
            return self(listener);
        }
        java.util.function.IntSupplier seat = coordinator;
        int holder = seat != null ? seat.getAsInt() : q.leaderId();
        return holder < 0 ? null : broker(q.image(), holder, listener);
    }

    /** A registered broker as clients of that listener reach it; null if it has no such listener (or is unknown). */
    public Node broker(MetadataImage image, int id, ListenerName listener) {
        BrokerRegistration b = image.broker(id);
        return b == null ? null : node(b, listener);
    }

    /** The unfenced brokers with an endpoint on that listener, by id; this broker alone on one broker. */
    public List<Node> liveBrokers(MetadataImage image, ListenerName listener) {
        if (quorum == null) {
            return List.of(self(listener));
        }
        List<Node> live = new ArrayList<>();
        image.brokers().values().stream().filter(b -> !b.fenced()).sorted(java.util.Comparator.comparingInt(BrokerRegistration::id))
                .forEach(b -> {
                    Node n = node(b, listener);
                    if (n != null) {
                        live.add(n);
                    }
                });
        return live;
    }

    private static Node node(BrokerRegistration b, ListenerName listener) {
        BrokerRegistration.HostPort hp = b.endpoints().get(listener.value().toUpperCase(Locale.ROOT));
        return hp == null ? null : new Node(b.id(), hp.host(), hp.port(), b.rack());
    }

    /** This broker's advertised endpoints by listener name (upper case), as it registers them with the quorum. */
    public Map<String, BrokerRegistration.HostPort> advertisedEndpoints() {
        Map<String, BrokerRegistration.HostPort> all = new java.util.LinkedHashMap<>();
        endpoints.forEach((l, n) -> all.put(l.value().toUpperCase(Locale.ROOT), new BrokerRegistration.HostPort(n.host(), n.port())));
        return all;
    }

    /** Cluster mode: the quorum's voters and the controller listener they are reached on (DescribeQuorum's nodes). */
    public void voters(String listenerName, Map<Integer, BrokerRegistration.HostPort> voterEndpoints) {
        this.controllerListener = listenerName;
        this.voters = Map.copyOf(voterEndpoints);
    }

    public Map<Integer, BrokerRegistration.HostPort> voters() {
        return voters;
    }

    public String controllerListener() {
        return controllerListener;
    }
}
