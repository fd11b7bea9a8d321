package io.kafkalite.cluster;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;

/**
 * The KRaft settings of a node: {@code process.roles}, {@code node.id}, {@code controller.quorum.voters}
 * ({@code id@host:port,...}; or {@code controller.quorum.bootstrap.servers}), {@code controller.listener.names}
 * and the CONTROLLER listener in {@code listeners} (the Ratis traffic binds there).
 *
 * @param metadataDir where the Ratis log and snapshots live: {@code <first log dir>/__cluster_metadata-0}
 *                    ({@code metadata.log.dir} instead of the first log dir when set, as in Kafka)
 * @param clusterId   the id the quorum's first record gives the cluster: {@code cluster.id}, else the one
 *                    {@code kafka-storage format} wrote to meta.properties, else derived from the voter list (so
 *                    every node proposes the same one)
 * @param minInsyncReplicas this node's {@code min.insync.replicas}: the cluster default it proposes while it leads
 */
public record QuorumConfig(int nodeId, Set<String> roles, Map<Integer, BrokerRegistration.HostPort> voters,
                           String controllerListener, BrokerRegistration.HostPort controllerBind, Path metadataDir,
                           String clusterId, int minInsyncReplicas) {
    public static final String METADATA_DIR_NAME = "__cluster_metadata-0";

    /** Settings with Kafka's default min.insync.replicas (1). */
    public QuorumConfig(int nodeId, Set<String> roles, Map<Integer, BrokerRegistration.HostPort> voters,
                        String controllerListener, BrokerRegistration.HostPort controllerBind, Path metadataDir,
                        String clusterId) {
        this(nodeId, roles, voters, controllerListener, controllerBind, metadataDir, clusterId, 1);
    }

    /**
     * The quorum settings of these broker properties, or null for a one-node setup (no {@code process.roles}, or a
     * single voter that is this node): such a broker runs exactly as a single broker always has, its metadata in its
     * own store. Throws ConfigException for settings that cannot work (a voter list without this node, no
     * controller listener, ...).
     */
    public static QuorumConfig parse(Map<String, String> props) {
        Set<String> roles = new LinkedHashSet<>(list(props.get("process.roles")));
        if (roles.isEmpty()) {
            return null;
        }
        int nodeId = nodeId(props);
        Map<Integer, BrokerRegistration.HostPort> voters = voters(props.get("controller.quorum.voters"));
        for (String role : roles) {
            if (!role.equals("broker") && !role.equals("controller")) {
                throw new ConfigException("process.roles", props.get("process.roles"), "Unknown role " + role
                        + " (broker and controller are the roles)");
            }
        }
        boolean combined = roles.contains("broker") && roles.contains("controller");
        if (voters.isEmpty()) {
            if (!combined) {
                throw new ConfigException("controller.quorum.voters", null, "must list the voters (id@host:port,...) when "
                        + "process.roles=" + String.join(",", roles) + " (controller.quorum.bootstrap.servers alone is not supported)");
            }
            if (list(props.get("controller.quorum.bootstrap.servers")).size() > 1) {
                throw new ConfigException("controller.quorum.bootstrap.servers lists several controllers: a cluster of several "
                        + "nodes needs controller.quorum.voters (id@host:port of every voter, the same list on every node); "
                        + "dynamic quorums (KIP-853) are not supported");
            }
            return null;
        }
        if (combined && voters.size() == 1 && voters.containsKey(nodeId)) {
            return null;
        }
        List<String> controllerNames = list(props.get("controller.listener.names"));
        if (controllerNames.isEmpty()) {
            throw new ConfigException("controller.listener.names", null, "must name the controller listener (e.g. CONTROLLER) "
                    + "when process.roles is set");
        }
        requirePlaintextControllers(props, controllerNames);
        String listener = controllerNames.get(0).toUpperCase(Locale.ROOT);
        if (!roles.contains("controller")) {
            return brokerOnly(props, nodeId, roles, voters, controllerNames, listener);
        }
        if (!roles.contains("broker")) {
            for (String l : list(props.get("listeners"))) {
                int sep = l.indexOf("://");
                if (sep <= 0 || !controllerNames.stream().anyMatch(n -> n.equalsIgnoreCase(l.substring(0, sep).trim()))) {
                    throw new ConfigException("listeners", props.get("listeners"), "The listeners config must only contain KRaft "
                            + "controller listeners from controller.listener.names when process.roles=controller");
                }
            }
        }
        BrokerRegistration.HostPort self = voters.get(nodeId);
        if (self == null) {
            throw new ConfigException("controller.quorum.voters", props.get("controller.quorum.voters"), "node.id " + nodeId
                    + " is not among the voters, but process.roles has controller: list this node in controller.quorum.voters "
                    + "on every node, or correct node.id");
        }
        BrokerRegistration.HostPort bind = listenerAddress(props.get("listeners"), listener);
        if (bind.port() != self.port()) {
            throw new ConfigException("listeners", props.get("listeners"), "the controller listener " + listener + " listens on port "
                    + bind.port() + " but controller.quorum.voters gives node " + nodeId + " port " + self.port());
        }
        return new QuorumConfig(nodeId, roles, voters, listener, bind, metadataParent(props).resolve(METADATA_DIR_NAME),
                clusterId(props, voters), minInsyncReplicas(props.get("min.insync.replicas")));
    }

    /**
     * A broker-only node (Kafka's rules: not a voter, no controller listener of its own). It follows the quorum as a
     * Ratis listener, reached by the leader on {@link #controllerBind()}: the host of its first client listener as
     * advertised (all interfaces are bound), port 0 = chosen at its first start and kept ({@link #LISTENER_PORT_FILE}).
     */
    private static QuorumConfig brokerOnly(Map<String, String> props, int nodeId, Set<String> roles,
                                           Map<Integer, BrokerRegistration.HostPort> voters, List<String> controllerNames, String listener) {
        if (voters.containsKey(nodeId)) {
            throw new ConfigException("controller.quorum.voters", props.get("controller.quorum.voters"), "If process.roles contains "
                    + "just the 'broker' role, the node id " + nodeId + " must not be included in the set of voters " + voters.keySet());
        }
        String host = null;
        for (String config : List.of("advertised.listeners", "listeners")) {
            for (String l : list(props.get(config))) {
                int sep = l.indexOf("://");
                if (sep <= 0) {
                    continue;
                }
                String name = l.substring(0, sep).trim();
                if (controllerNames.stream().anyMatch(name::equalsIgnoreCase)) {
                    if (config.equals("listeners")) {
                        throw new ConfigException("listeners", props.get("listeners"), "controller.listener.names must not contain a value "
                                + "appearing in the 'listeners' configuration when running KRaft with just the broker role");
                    }
                } else if (host == null) {
                    host = hostPort(l.substring(sep + 3), config, props.get(config)).host();
                }
            }
            if (host != null && !host.isEmpty()) {
                break;
            }
            host = null;
        }
        if (host == null) {
            try {
                host = java.net.InetAddress.getLocalHost().getCanonicalHostName();
            } catch (java.net.UnknownHostException e) {
                throw new ConfigException("No host to reach broker " + nodeId + " at: set advertised.listeners (" + e + ")");
            }
        }
        return new QuorumConfig(nodeId, roles, voters, listener, new BrokerRegistration.HostPort(host, 0),
                metadataParent(props).resolve(METADATA_DIR_NAME), clusterId(props, voters));
    }

    /** In {@link #metadataDir()} of a broker-only node: the port its Ratis listener bound first, so the leader finds it again. */
    public static final String LISTENER_PORT_FILE = "listener.port";

    /** Whether this node votes in the quorum (process.roles has controller); a broker-only node is a Ratis listener. */
    public boolean isVoter() {
        return roles.contains("controller");
    }

    /** Whether this node is a broker (process.roles has broker): a controller-only node serves no clients and holds no partitions. */
    public boolean isBroker() {
        return roles.contains("broker");
    }

    private static int nodeId(Map<String, String> props) {
        String value = props.get("node.id");
        String name = "node.id";
        if (value == null && props.get("broker.id") != null) {
            value = props.get("broker.id");
            name = "broker.id";
        }
        if (value == null) {
            throw new ConfigException("node.id", null, "is required when process.roles is set");
        }
        try {
            int id = Integer.parseInt(value.trim());
            if (id < 0) {
                throw new ConfigException(name, value, "must be at least 0");
            }
            return id;
        } catch (NumberFormatException e) {
            throw new ConfigException(name, value, "not a number");
        }
    }

    /** {@code id@host:port,...}, in the listed order. */
    static Map<Integer, BrokerRegistration.HostPort> voters(String value) {
        Map<Integer, BrokerRegistration.HostPort> voters = new TreeMap<>();
        for (String voter : list(value)) {
            int at = voter.indexOf('@');
            if (at <= 0) {
                throw new ConfigException("controller.quorum.voters", value, "Each voter must be id@host:port, not " + voter);
            }
            int id;
            try {
                id = Integer.parseInt(voter.substring(0, at).trim());
            } catch (NumberFormatException e) {
                throw new ConfigException("controller.quorum.voters", value, "Each voter must be id@host:port; not an id: " + voter);
            }
            BrokerRegistration.HostPort address = hostPort(voter.substring(at + 1), "controller.quorum.voters", value);
            if (address.host().isEmpty()) {
                throw new ConfigException("controller.quorum.voters", value, "voter " + id + " has no host");
            }
            if (voters.put(id, address) != null) {
                throw new ConfigException("controller.quorum.voters", value, "voter " + id + " is listed twice");
            }
        }
        return voters;
    }

    /**
     * The quorum's traffic (Apache Ratis over gRPC, and a broker-only node's listener port) is plaintext: a controller
     * listener mapped to SSL or SASL in {@code listener.security.protocol.map} would be served without that security,
     * so it stops start-up. Unmapped, a controller listener is PLAINTEXT unless its name is a protocol's (Kafka's rule).
     */
    private static void requirePlaintextControllers(Map<String, String> props, List<String> controllerNames) {
        String map = props.get("listener.security.protocol.map");
        for (String name : controllerNames) {
            String protocol = null;
            for (String entry : list(map)) {
                String[] kv = entry.split(":");
                if (kv.length == 2 && kv[0].trim().equalsIgnoreCase(name)) {
                    protocol = kv[1].trim().toUpperCase(Locale.ROOT);
                }
            }
            if (protocol == null) {
                protocol = List.of("SSL", "SASL_PLAINTEXT", "SASL_SSL").contains(name.toUpperCase(Locale.ROOT)) ? name.toUpperCase(Locale.ROOT) : "PLAINTEXT";
            }
            if (!protocol.equals("PLAINTEXT")) {
                throw new ConfigException("listener.security.protocol.map", map, "the controller listener " + name + " is " + protocol
                        + ", but the cluster metadata quorum (Apache Ratis) runs over plaintext only: map the controller listener to "
                        + "PLAINTEXT and keep it on a private network");
            }
        }
    }

    /** The host and port of listener {@code name} in {@code listeners} ({@code NAME://host:port}; an empty host binds all). */
    private static BrokerRegistration.HostPort listenerAddress(String listeners, String name) {
        for (String l : list(listeners)) {
            int sep = l.indexOf("://");
            if (sep > 0 && l.substring(0, sep).trim().equalsIgnoreCase(name)) {
                return hostPort(l.substring(sep + 3), "listeners", listeners);
            }
        }
        throw new ConfigException("listeners", listeners, "has no " + name + " listener, which controller.listener.names names "
                + "as the controller listener (e.g. " + name + "://:9093)");
    }

    private static BrokerRegistration.HostPort hostPort(String address, String config, String value) {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException(config, value, "no port in " + address);
        }
        String host = address.substring(0, colon).trim();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(address.substring(colon + 1).trim());
            if (port < 0 || port > 65535) {
                throw new ConfigException(config, value, "port out of range in " + address);
            }
            return new BrokerRegistration.HostPort(host, port);
        } catch (NumberFormatException e) {
            throw new ConfigException(config, value, "not a port in " + address);
        }
    }

    /** {@code metadata.log.dir}, else the first of {@code log.dirs}, else {@code log.dir} (the broker's default). */
    private static Path metadataParent(Map<String, String> props) {
        String metadataDir = props.get("metadata.log.dir");
        if (metadataDir != null && !metadataDir.isBlank()) {
            return Path.of(metadataDir.trim());
        }
        List<String> dirs = list(props.get("log.dirs"));
        if (!dirs.isEmpty()) {
            return Path.of(dirs.get(0));
        }
        String dir = props.get("log.dir");
        return Path.of(dir == null || dir.isBlank() ? "./data" : dir.trim());
    }

    private static String clusterId(Map<String, String> props, Map<Integer, BrokerRegistration.HostPort> voters) {
        String configured = props.get("cluster.id");
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        Path meta = metadataParent(props).resolve("meta.properties");
        if (Files.isRegularFile(meta)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("Cannot read " + meta + ": " + e);
            }
            String formatted = p.getProperty("cluster.id");
            if (formatted != null && !formatted.isBlank()) {
                return formatted.trim();
            }
        }
        UUID derived = UUID.nameUUIDFromBytes(("kafkalite-cluster " + voters).getBytes(StandardCharsets.UTF_8));
        return new Uuid(derived.getMostSignificantBits(), derived.getLeastSignificantBits()).toString();
    }

    private static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        if (value != null) {
            Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(items::add);
        }
        return items;
    }

    private static int minInsyncReplicas(String value) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ConfigException("min.insync.replicas", value, "must be an integer of at least 1");
    }
}
