package io.kafkalite.handlers;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;

import io.kafkalite.handlers.metrics.BrokerMetrics;
import io.kafkalite.logstore.LogConfig;
import java.util.Collections;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker configuration with Kafka's property names ({@code server.properties}). Known keys are typed
 * and validated; unknown keys are kept, logged once, and ignored, so users can bring their Kafka
 * config files. The broker-level defaults of topic configs ({@code log.retention.ms}, ...) are known
 * through {@link LogConfig}.
 */
public final class BrokerConfig {
    private static final Logger log = LoggerFactory.getLogger(BrokerConfig.class);

    public static final String NODE_ID = "node.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String AUTO_CREATE_TOPICS = "auto.create.topics.enable";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String QUEUED_MAX_REQUESTS = "queued.max.requests";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    public static final String MAX_CONNECTIONS_PER_IP_OVERRIDES = "max.connections.per.ip.overrides";
    public static final String FAILED_AUTHENTICATION_DELAY_MS = "connection.failed.authentication.delay.ms";
    public static final String MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS = "max.incremental.fetch.session.cache.slots";
    public static final String MAX_REQUEST_PARTITION_SIZE_LIMIT = "max.request.partition.size.limit";

    private static final ConfigDef.Validator PER_IP_OVERRIDES = (name, value) -> parsePerIpOverrides(name, (String) value);

    private static final ConfigDef DEFINITION = new ConfigDef()
            .define(NODE_ID, Type.INT, 1, atLeast(0), HIGH, "The id of this broker.")
            .define("broker.id", Type.INT, -1, LOW, "Older name of node.id.")
            .define(LISTENERS, Type.LIST, "PLAINTEXT://localhost:9092", HIGH, "Addresses to listen on.")
            .define(ADVERTISED_LISTENERS, Type.LIST, null, HIGH, "Addresses given to clients; defaults to listeners.")
            .define("listener.security.protocol.map", Type.STRING,
                    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL", LOW, "Listener protocols.")
            .define("inter.broker.listener.name", Type.STRING, null, LOW, "Listener between brokers.")
            .define("controller.listener.names", Type.STRING, null, LOW, "Controller listeners (ignored: no KRaft quorum).")
            .define("process.roles", Type.LIST, "broker,controller", LOW, "Accepted for compatibility.")
            .define("controller.quorum.voters", Type.LIST, "", LOW, "Accepted for compatibility (no KRaft quorum).")
            .define("controller.quorum.bootstrap.servers", Type.LIST, "", LOW, "Accepted for compatibility (no KRaft quorum).")
            .define("cluster.id", Type.STRING, null, LOW, "The id a new data directory gets (kafka-storage format --cluster-id, "
                    + "the images' CLUSTER_ID); a directory keeps the id it has.")
            .define(LOG_DIRS, Type.LIST, null, HIGH, "Where the data lives: partitions are spread over the directories; the first also holds the metadata.")
            .define(LOG_DIR, Type.STRING, "./data", HIGH, "Used when log.dirs is not set.")
            .define(NUM_PARTITIONS, Type.INT, 1, atLeast(1), HIGH, "Default partition count of new topics.")
            .define(DEFAULT_REPLICATION_FACTOR, Type.SHORT, (short) 1, atLeast(1), HIGH, "Default replication factor.")
            .define("replica.lag.time.max.ms", Type.LONG, 30_000L, atLeast(1), HIGH, "A follower that has not caught up with "
                    + "the leader's log end for this long leaves the ISR (cluster mode).")
            .define(AUTO_CREATE_TOPICS, Type.BOOLEAN, true, HIGH, "Create unknown topics on metadata requests.")
            .define(DELETE_TOPIC_ENABLE, Type.BOOLEAN, true, HIGH, "Allow topic deletion.")
            .define(SOCKET_REQUEST_MAX_BYTES, Type.INT, 104_857_600, atLeast(1), HIGH, "Largest request accepted.")
            .define(NUM_NETWORK_THREADS, Type.INT, 3, atLeast(1), HIGH, "Event loop threads.")
            .define(NUM_IO_THREADS, Type.INT, 8, atLeast(1), HIGH, "Request-handler threads: they run the handlers (disk I/O), "
                    + "so the network threads never wait on the disk.")
            .define(QUEUED_MAX_REQUESTS, Type.INT, 500, atLeast(1), MEDIUM, "Requests waiting for a request-handler thread before "
                    + "connections stop being read.")
            .define(CONNECTIONS_MAX_IDLE_MS, Type.LONG, 600_000L, atLeast(1), MEDIUM, "Close connections with no request and no "
                    + "response progress for this long.")
            .define(MAX_CONNECTIONS, Type.INT, Integer.MAX_VALUE, atLeast(0), MEDIUM, "Most connections at once; beyond it new "
                    + "connections wait in the TCP backlog until one closes.")
            .define(MAX_CONNECTIONS_PER_IP, Type.INT, Integer.MAX_VALUE, atLeast(0), MEDIUM, "Most connections from one address; "
                    + "more are closed at accept.")
            .define(MAX_CONNECTIONS_PER_IP_OVERRIDES, Type.STRING, "", PER_IP_OVERRIDES, MEDIUM, "Per-address limits, "
                    + "host:count,... (hostnames or IP addresses).")
            .define("offsets.topic.replication.factor", Type.SHORT, (short) 3, atLeast(1), LOW, "Accepted for compatibility.")
            .define("transaction.state.log.replication.factor", Type.SHORT, (short) 3, atLeast(1), LOW, "Accepted for compatibility.")
            .define("transaction.state.log.min.isr", Type.INT, 2, atLeast(1), LOW, "Accepted for compatibility.")
            .define("transaction.max.timeout.ms", Type.INT, 900_000, atLeast(1), MEDIUM, "Longest transaction.timeout.ms a producer may ask for.")
            .define("transaction.abort.timed.out.transaction.cleanup.interval.ms", Type.INT, 10_000, atLeast(1), LOW,
                    "How often transactions past their timeout are looked for and aborted.")
            .define("transactional.id.expiration.ms", Type.INT, 604_800_000, atLeast(1), MEDIUM,
                    "How long a transactional id without an open transaction is kept.")
            .define("transaction.remove.expired.transaction.cleanup.interval.ms", Type.INT, 3_600_000, atLeast(1), LOW,
                    "How often expired transactional ids are removed.")
            .define("transaction.state.log.num.partitions", Type.INT, 50, atLeast(1), LOW, "Accepted for compatibility.")
            .define("transaction.state.log.segment.bytes", Type.INT, 104_857_600, atLeast(1), LOW, "Accepted for compatibility.")
            .define("transaction.partition.verification.enable", Type.BOOLEAN, true, LOW, "Accepted; verification is always on.")
            .define("group.initial.rebalance.delay.ms", Type.INT, 3000, atLeast(0), LOW, "Delay of a new group's first rebalance.")
            .define("group.min.session.timeout.ms", Type.INT, 6000, atLeast(0), LOW, "Shortest session timeout a member may ask for.")
            .define("group.max.session.timeout.ms", Type.INT, 1_800_000, atLeast(0), LOW, "Longest session timeout a member may ask for.")
            .define("group.max.size", Type.INT, Integer.MAX_VALUE, atLeast(1), LOW, "Most members of a classic group.")
            .define("group.consumer.session.timeout.ms", Type.INT, 45_000, atLeast(1), LOW, "Session timeout of consumer-protocol members.")
            .define("group.consumer.heartbeat.interval.ms", Type.INT, 5_000, atLeast(1), LOW, "Heartbeat interval of consumer-protocol members.")
            .define("group.consumer.migration.policy", Type.STRING, "bidirectional",
                    org.apache.kafka.common.config.ConfigDef.CaseInsensitiveValidString.in("disabled", "upgrade", "downgrade", "bidirectional"),
                    LOW, "Whether groups convert between the classic and the consumer protocol while they have members.")
            .define("offset.metadata.max.bytes", Type.INT, 4096, atLeast(0), LOW, "Largest metadata of a committed offset.")
            .define("offsets.retention.minutes", Type.INT, 10_080, atLeast(1), LOW, "How long offsets of an empty group are kept.")
            .define("offsets.retention.check.interval.ms", Type.LONG, 600_000L, atLeast(1), LOW, "How often offsets are checked for expiry.")
            .define("offsets.topic.num.partitions", Type.INT, 50, atLeast(1), LOW, "Accepted for compatibility.")
            .define("log.retention.hours", Type.INT, 168, LOW, "Retention in hours (log.retention.ms wins).")
            .define("log.retention.minutes", Type.INT, null, LOW, "Retention in minutes (log.retention.ms wins).")
            .define("log.roll.hours", Type.INT, 168, atLeast(1), LOW, "Segment age in hours (log.roll.ms wins).")
            .define("log.retention.check.interval.ms", Type.LONG, 300_000L, atLeast(1), LOW, "Retention check period.")
            .define("log.cleaner.enable", Type.BOOLEAN, true, LOW, "Run the log cleaner (compaction of cleanup.policy=compact topics).")
            .define("log.cleaner.threads", Type.INT, 1, atLeast(0), LOW, "Log cleaner threads.")
            .define("log.cleaner.backoff.ms", Type.LONG, 15_000L, atLeast(0), LOW, "Sleep of a cleaner thread when no log is due.")
            .define("log.cleaner.dedupe.buffer.size", Type.LONG, 134_217_728L, LOW, "Memory of the cleaners' offset maps, all threads together.")
            .define("log.cleaner.io.buffer.size", Type.INT, 524_288, atLeast(0), LOW, "Memory of the cleaners' I/O buffers, all threads together.")
            .define("log.cleaner.io.buffer.load.factor", Type.DOUBLE, 0.9, LOW, "Fill factor of the cleaners' offset maps.")
            .define("log.cleaner.io.max.bytes.per.second", Type.DOUBLE, Double.MAX_VALUE, LOW, "Cleaner I/O limit (read plus written).")
            .define("authorizer.class.name", Type.STRING, "", LOW, "The authorizer; empty for none.")
            .define("super.users", Type.STRING, null, LOW, "Principals allowed everything (User:a;User:b).")
            .define("allow.everyone.if.no.acl.found", Type.BOOLEAN, false, LOW, "Allow a resource that has no ACL at all.")
            .define(FAILED_AUTHENTICATION_DELAY_MS, Type.INT, 100, atLeast(0), LOW, "How long a failed authentication's answer and "
                    + "close are held back, to slow down password guessing.")
            .define(MAX_REQUEST_PARTITION_SIZE_LIMIT, Type.INT, 2000, atLeast(1), MEDIUM, "The maximum number of partitions "
                    + "served in one request (DescribeTopicPartitions pages beyond it).")
            .define("security.inter.broker.protocol", Type.STRING, "PLAINTEXT", LOW, "Names the inter-broker listener when inter.broker.listener.name is not set.")
            .define("sasl.mechanism.inter.broker.protocol", Type.STRING, "GSSAPI", LOW, "SASL mechanism brokers log in to each other with (PLAIN, SCRAM-SHA-256/512).")
            .define("quota.window.num", Type.INT, 11, atLeast(1), LOW, "Samples a client quota's rate is measured over.")
            .define("quota.window.size.seconds", Type.INT, 1, atLeast(1), LOW, "Length of each client quota sample.")
            .define(MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS, Type.INT, 1000, atLeast(0), MEDIUM, "Most incremental fetch sessions "
                    + "(KIP-227) kept; 0 declines every session.")
            .define("broker.rack", Type.STRING, null, LOW, "The rack of this broker (cluster mode: rack-aware replica placement).")
            .define("broker.heartbeat.interval.ms", Type.INT, 2000, atLeast(1), MEDIUM, "Cluster mode: how often a broker "
                    + "heartbeats to the metadata quorum's leader.")
            .define("broker.session.timeout.ms", Type.INT, 9000, atLeast(1), MEDIUM, "Cluster mode: a broker silent this long is "
                    + "fenced (its leaderships move, it leaves every ISR).")
            .define("auto.leader.rebalance.enable", Type.BOOLEAN, true, MEDIUM, "Cluster mode: the quorum leader moves "
                    + "leaderships back to the preferred replicas (the first of each partition) when they can lead.")
            .define("leader.imbalance.check.interval.seconds", Type.LONG, 300L, atLeast(1), MEDIUM, "Cluster mode: how often "
                    + "the quorum leader checks for partitions not led by their preferred replica.")
            .define("unclean.leader.election.interval.ms", Type.LONG, 300_000L, atLeast(1), LOW, "Cluster mode: how often the "
                    + "quorum leader looks for leaderless partitions of topics that allow unclean leader election.");

    static {
        for (ConfigDef.ConfigKey key : LogConfig.definition().configKeys().values()) {
            String brokerName = LogConfig.brokerSynonym(key.name);
            if (brokerName != null && !DEFINITION.names().contains(brokerName)) {
                DEFINITION.define(brokerName, key.type, key.defaultValue, key.validator, LOW, key.documentation);
            }
        }
        // TLS and SASL settings, with Kafka's types and defaults; acl/ reads them per listener
        for (ConfigDef.ConfigKey key : BrokerSecurityConfigs.CONFIG_DEF.configKeys().values()) {
            if (!DEFINITION.names().contains(key.name)) {
                DEFINITION.define(key.name, key.type, key.defaultValue, key.validator, LOW, key.documentation);
            }
        }
    }

    static { // metrics (handlers/metrics, broker/PrometheusEndpoint)
        DEFINITION.define(BrokerMetrics.JMX_ENABLE, Type.BOOLEAN, true, LOW, "Register Kafka's metric MBeans with the platform MBean server.")
                .define(BrokerMetrics.PROMETHEUS_PORT, Type.INT, -1, atLeast(-1), LOW, "Port of the Prometheus endpoint (HTTP GET "
                        + "/metrics); -1 for none, 0 for any free port. Never a Kafka listener's.")
                .define(BrokerMetrics.PROMETHEUS_HOST, Type.STRING, "", LOW, "Address the Prometheus endpoint binds; empty for all.")
                .define(BrokerMetrics.LAG_MAX_PARTITIONS, Type.INT, 10_000, atLeast(0), LOW, "Most partitions with a consumer lag "
                        + "metric (per group sums are always there).")
                .define(BrokerMetrics.LAG_INTERVAL_MS, Type.LONG, 30_000L, atLeast(100), LOW, "How often consumer lag is computed.");
    }

    static { // the follower side of replication (handlers/replication: ReplicaFetcherManager), Kafka's names and defaults
        DEFINITION.define("num.replica.fetchers", Type.INT, 1, HIGH, "Fetcher threads per source broker (read at start).")
                .define("replica.fetch.max.bytes", Type.INT, 1_048_576, atLeast(0), MEDIUM, "Bytes asked per partition in a "
                        + "replica fetch (a larger first batch still comes whole).")
                .define("replica.fetch.response.max.bytes", Type.INT, 10_485_760, atLeast(0), MEDIUM, "Bytes asked for a whole "
                        + "replica fetch response.")
                .define("replica.fetch.wait.max.ms", Type.INT, 500, atLeast(0), MEDIUM, "Longest wait of a replica fetch on the leader.")
                .define("replica.fetch.min.bytes", Type.INT, 1, atLeast(1), MEDIUM, "Bytes a replica fetch waits for on the leader.")
                .define("replica.fetch.backoff.ms", Type.INT, 1000, atLeast(0), MEDIUM, "Pause of a partition (or a fetcher) after an error.")
                .define("replica.socket.timeout.ms", Type.INT, 30_000, atLeast(1), MEDIUM, "Socket timeout of replica fetches; at "
                        + "least replica.fetch.wait.max.ms.")
                .define("replica.socket.receive.buffer.bytes", Type.INT, 65_536, atLeast(-1), LOW, "Receive buffer of fetcher "
                        + "sockets; -1 for the OS default.")
                .define("socket.connection.setup.timeout.ms", Type.LONG, 10_000L, atLeast(0), MEDIUM, "Connect timeout of "
                        + "connections to other brokers.");
    }

    private final Map<String, String> originals;
    private final Map<String, Object> values;

    /** @throws ConfigException for a known key with an invalid value */
    public BrokerConfig(Map<String, String> props) {
        this(props, true);
    }

    private BrokerConfig(Map<String, String> props, boolean logUnknown) {
        this.originals = Collections.unmodifiableMap(new LinkedHashMap<>(props));
        this.values = DEFINITION.parse(originals);
        for (String key : originals.keySet()) {
            if (logUnknown && !isKnown(key)) {
                log.warn("Ignoring unknown broker config '{}'", key);
            }
        }
        LogConfig.brokerDefaults(originals); // validates the topic-config defaults now, not at first use
    }

    /** As the constructor, without the warnings for unknown keys (for the effective config after a dynamic change). */
    static BrokerConfig quiet(Map<String, String> props) {
        return new BrokerConfig(props, false);
    }

    /**
     * A defined name, or one in a per-listener form: {@code listener.name.<listener>.<name>} or, for SASL
     * settings, {@code listener.name.<listener>.<mechanism>.<name>}.
     */
    static boolean isKnown(String key) {
        if (DEFINITION.names().contains(key)) {
            return true;
        }
        if (!key.startsWith("listener.name.")) {
            return false;
        }
        String rest = key.substring("listener.name.".length());
        for (int dot = rest.indexOf('.'); dot >= 0; dot = rest.indexOf('.', dot + 1)) {
            if (DEFINITION.names().contains(rest.substring(dot + 1))) {
                return true;
            }
        }
        return false;
    }

    public static ConfigDef definition() {
        return DEFINITION;
    }

    /** The properties as the user gave them. */
    public Map<String, String> originals() {
        return originals;
    }

    public Object value(String name) {
        return values.get(name);
    }

    public int nodeId() {
        int brokerId = (Integer) values.get("broker.id");
        return originals.containsKey(NODE_ID) || brokerId < 0 ? (Integer) values.get(NODE_ID) : brokerId;
    }

    @SuppressWarnings("unchecked")
    public List<String> listeners() {
        return (List<String>) values.get(LISTENERS);
    }

    @SuppressWarnings("unchecked")
    public List<String> advertisedListeners() {
        List<String> advertised = (List<String>) values.get(ADVERTISED_LISTENERS);
        return advertised == null ? listeners() : advertised;
    }

    /** The directories of {@code log.dirs}, or {@code log.dir} when it is not set. */
    @SuppressWarnings("unchecked")
    public List<String> logDirs() {
        List<String> dirs = (List<String>) values.get(LOG_DIRS);
        return dirs != null && !dirs.isEmpty() ? dirs : List.of((String) values.get(LOG_DIR));
    }

    /** The first log directory, which holds the metadata. */
    public String logDir() {
        return logDirs().get(0);
    }

    public int numPartitions() {
        return (Integer) values.get(NUM_PARTITIONS);
    }

    public short defaultReplicationFactor() {
        return (Short) values.get(DEFAULT_REPLICATION_FACTOR);
    }

    public boolean autoCreateTopics() {
        return (Boolean) values.get(AUTO_CREATE_TOPICS);
    }

    public boolean deleteTopicEnable() {
        return (Boolean) values.get(DELETE_TOPIC_ENABLE);
    }

    public int socketRequestMaxBytes() {
        return (Integer) values.get(SOCKET_REQUEST_MAX_BYTES);
    }

    public int numNetworkThreads() {
        return (Integer) values.get(NUM_NETWORK_THREADS);
    }

    public int numIoThreads() {
        return (Integer) values.get(NUM_IO_THREADS);
    }

    public int queuedMaxRequests() {
        return (Integer) values.get(QUEUED_MAX_REQUESTS);
    }

    public long connectionsMaxIdleMs() {
        return (Long) values.get(CONNECTIONS_MAX_IDLE_MS);
    }

    public int maxConnections() {
        return (Integer) values.get(MAX_CONNECTIONS);
    }

    public int maxConnectionsPerIp() {
        return (Integer) values.get(MAX_CONNECTIONS_PER_IP);
    }

    /** {@code max.connections.per.ip.overrides} as host (name or address, as written) to limit. */
    public Map<String, Integer> maxConnectionsPerIpOverrides() {
        return parsePerIpOverrides(MAX_CONNECTIONS_PER_IP_OVERRIDES, (String) values.get(MAX_CONNECTIONS_PER_IP_OVERRIDES));
    }

    static Map<String, Integer> parsePerIpOverrides(String name, String value) {
        Map<String, Integer> overrides = new LinkedHashMap<>();
        if (value == null || value.isBlank()) {
            return overrides;
        }
        for (String entry : value.split(",")) {
            String e = entry.trim();
            int colon = e.lastIndexOf(':'); // IPv6 addresses hold colons too: the count follows the last one
            try {
                int count = Integer.parseInt(e.substring(colon + 1).trim());
                String host = e.substring(0, Math.max(colon, 0)).trim().toLowerCase(Locale.ROOT);
                if (colon <= 0 || host.isEmpty() || count < 0) {
                    throw new NumberFormatException();
                }
                overrides.put(host, count);
            } catch (NumberFormatException | IndexOutOfBoundsException ex) {
                throw new ConfigException(name, value, "expected host:count,... with counts >= 0, got '" + e + "'");
            }
        }
        return overrides;
    }

    public int maxRequestPartitionSizeLimit() {
        return (Integer) values.get(MAX_REQUEST_PARTITION_SIZE_LIMIT);
    }
}
