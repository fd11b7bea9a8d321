package io.kafkalite.cluster;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The KRaft settings of a node: {@code process.roles}, {@code node.id}, {@code controller.quorum.voters}
 * ({@code id@host:port,...}; or {@code controller.quorum.bootstrap.servers}), {@code controller.listener.names}
 * and the CONTROLLER listener in {@code listeners} (the Ratis traffic binds there).
 *
 * @param metadataDir where the Ratis log and snapshots live: {@code <first log dir>/__cluster_metadata-0}
 */
public record QuorumConfig(int nodeId, Set<String> roles, Map<Integer, BrokerRegistration.HostPort> voters,
                           String controllerListener, BrokerRegistration.HostPort controllerBind, Path metadataDir) {
    /**
     * The quorum settings of these broker properties, or null for a one-node setup (no {@code process.roles}, or a
     * single voter that is this node): such a broker runs exactly as a single broker always has, its metadata in its
     * own store. Throws ConfigException for settings that cannot work (a voter list without this node, no
     * controller listener, ...).
     */
    public static QuorumConfig parse(Map<String, String> props) {
        throw new UnsupportedOperationException("H1 writes this");
    }
}
