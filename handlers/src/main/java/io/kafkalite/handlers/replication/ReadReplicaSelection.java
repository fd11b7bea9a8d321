package io.kafkalite.handlers.replication;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.handlers.BrokerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.replica.ClientMetadata;
import org.apache.kafka.common.replica.PartitionView;
import org.apache.kafka.common.replica.ReplicaSelector;
import org.apache.kafka.common.replica.ReplicaView;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KIP-392, fetch from the closest replica, on the leader (Kafka's ReplicaManager.findPreferredReadReplica): the
 * {@code replica.selector.class} (none by default: consumers read from the leader) picks, for a consumer's fetch with
 * client metadata (v11+), among the leader and the in-sync followers that hold the fetch offset. Each replica is shown
 * with its endpoint on the client's listener (an empty node for a fenced or unknown broker, which is never chosen),
 * its log end as the leader last saw it, and the time since it last caught up. A follower chosen this way is the
 * fetch's {@code preferred_read_replica}; the leader itself means no preference.
 */
public final class ReadReplicaSelection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReadReplicaSelection.class);
    public static final String REPLICA_SELECTOR_CLASS = "replica.selector.class";
    /** No selector: every consumer reads from the leader. */
    static final ReadReplicaSelection NONE = new ReadReplicaSelection(null);

    private final ReplicaSelector selector;

    ReadReplicaSelection(ReplicaSelector selector) {
        this.selector = selector;
    }

    /**
     * The selector of {@code replica.selector.class}, created and configured with the broker's properties as Kafka does.
     * @throws ConfigException when the class cannot be loaded or is no {@link ReplicaSelector}: start-up stops
     */
    static ReadReplicaSelection load(BrokerConfig config) {
        Object value = config.value(REPLICA_SELECTOR_CLASS);
        String name = value == null ? "" : value.toString().trim();
        if (name.isEmpty()) {
            return NONE;
        }
        ReplicaSelector selector;
        try {
            selector = Utils.newInstance(name, ReplicaSelector.class);
        } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
            throw new ConfigException(REPLICA_SELECTOR_CLASS, name, "cannot create an " + ReplicaSelector.class.getName()
                    + " of it (a public class with a public no-argument constructor on the broker's class path): " + e);
        }
        selector.configure(config.originals());
        log.info("Consumers may fetch from a follower that {} chooses (KIP-392)", name);
        return new ReadReplicaSelection(selector);
    }

    /** What the leader knows of one in-sync follower, copied under the partition's monitor. */
    private record Progress(int id, long logEndOffset, long lastCaughtUpMs) { }

    /**
     * The follower {@code client} should fetch {@code r}'s partition from at {@code fetchOffset}, or -1 (read here):
     * none configured, this node ({@code nodeId}) does not lead, or the selector chose the leader or nothing.
     * {@code logStartOffset}: the leader's; a follower's own is taken to be the same (Kafka keeps each follower's).
     */
    int select(PartitionReplication r, int nodeId, MetadataImage image, long fetchOffset, long logStartOffset,
               ClientMetadata client, long nowMs) {
        if (selector == null || fetchOffset < logStartOffset) {
            return -1;
        }
        List<Progress> inSync = new ArrayList<>();
        synchronized (r) { // PartitionReplication's state is guarded by its monitor
            if (!r.isLeader()) {
                return -1;
            }
            for (int id : r.isr()) {
                PartitionReplication.Follower f = id == nodeId ? null : r.follower(id);
                if (f != null && f.logEndOffset >= fetchOffset) {
                    inSync.add(new Progress(id, f.logEndOffset, f.lastCaughtUpMs));
                }
            }
        }
        Set<ReplicaView> replicas = new HashSet<>();
        for (Progress p : inSync) {
            replicas.add(new ReplicaView.DefaultReplicaView(endpoint(image, p.id(), client), p.logEndOffset(), nowMs - p.lastCaughtUpMs()));
        }
        ReplicaView leader = new ReplicaView.DefaultReplicaView(endpoint(image, nodeId, client), r.log.logEndOffset(), 0);
        replicas.add(leader);
        Optional<ReplicaView> chosen = selector.select(r.tp, client, new PartitionView.DefaultPartitionView(replicas, leader));
        return chosen.filter(v -> !v.endpoint().isEmpty() && !v.equals(leader)).map(v -> v.endpoint().id()).orElse(-1);
    }

    /** A broker's endpoint on the client's listener with its rack; an empty node when fenced, unknown or not listening there. */
    private static Node endpoint(MetadataImage image, int id, ClientMetadata client) {
        BrokerRegistration b = image.broker(id);
        BrokerRegistration.HostPort hp = b == null || b.fenced() ? null
                : b.endpoints().get(client.listenerName().toUpperCase(Locale.ROOT));
        return hp == null ? Node.noNode() : new Node(id, hp.host(), hp.port(), b.rack());
    }

    @Override
    public void close() {
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException | RuntimeException e) {
                log.warn("Closing the replica selector failed", e);
            }
        }
    }
}
