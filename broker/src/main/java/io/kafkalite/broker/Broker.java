package io.kafkalite.broker;

import io.kafkalite.groups.CoordinatorThread;
import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TransactionConfig;
import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.handlers.Authorization;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.handlers.ClusterInfo;
import io.kafkalite.handlers.HandlerRegistry;
import io.kafkalite.handlers.Handlers;
import io.kafkalite.handlers.TransactionMarkerWriter;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.ConnectionLimits;
import io.kafkalite.wire.KafkaServer;
import io.kafkalite.wire.RequestHandlerPool;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running broker: the log store, the handlers and the listener. Close it to shut down cleanly. */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final LogStore store;
    private final GroupCoordinator groups;
    private final TransactionCoordinator transactions;
    private final RequestHandlerPool requestHandlers;
    private final KafkaServer server;
    private final ClusterInfo cluster;

    private Broker(LogStore store, GroupCoordinator groups, TransactionCoordinator transactions, RequestHandlerPool requestHandlers,
                   KafkaServer server, ClusterInfo cluster) {
        this.store = store;
        this.groups = groups;
        this.transactions = transactions;
        this.requestHandlers = requestHandlers;
        this.server = server;
        this.cluster = cluster;
    }

    /** Starts a broker from Kafka-named properties. */
    public static Broker start(Map<String, String> props) throws Exception {
        BrokerConfig config = new BrokerConfig(props);
        List<Listener> clientListeners = clientListeners(config);
        String protocolMap = (String) config.value("listener.security.protocol.map");
        for (Listener l : clientListeners) {
            SecurityProtocol p = securityProtocol(l.name(), protocolMap);
            if (p != SecurityProtocol.PLAINTEXT) { // never fail open: refuse to start rather than serve it in plaintext or not at all
                throw new ConfigException("Listener " + l.name() + " uses " + p + ", which this broker does not support yet (only PLAINTEXT);"
                        + " refusing to start");
            }
        }
        UnsupportedSecurity.refuse(config.originals());
        Listener listener = clientListeners.get(0);
        SecurityProtocol protocol = SecurityProtocol.PLAINTEXT;
        Path logDir = Path.of(config.logDir());
        LogStore store = LogStore.open(logDir, config.originals());
        GroupCoordinator groups = null;
        TransactionCoordinator transactions = null;
        RequestHandlerPool requestHandlers = null;
        try {
            ClusterInfo cluster = new ClusterInfo(config.nodeId(), store.clusterId(), listener.host(), listener.port());
            groups = new GroupCoordinator(new CoordinatorThread(), GroupConfig.from(config.originals()),
                    store.durableMap("group_offsets"), store.durableMap("group_metadata"), Handlers.topicsView(store));
            transactions = new TransactionCoordinator(new CoordinatorThread("transaction-coordinator"), TransactionConfig.from(config.originals()),
                    store.durableMap("transactions"), store::newProducerId, new TransactionMarkerWriter(store), groups);
            requestHandlers = new RequestHandlerPool(config.numIoThreads(), config.queuedMaxRequests());
            HandlerRegistry handlers = Handlers.create(store, cluster, config, groups, transactions, requestHandlers, Authorization.NONE);
            KafkaServer server = KafkaServer.start(listener.bindsAll() ? null : listener.host(), listener.port(), listener.name(),
                    protocol, config.socketRequestMaxBytes(), config.numNetworkThreads(), connectionLimits(config), requestHandlers, handlers);
            Listener advertised = advertised(config, listener, server.port());
            cluster.advertise(advertised.host(), advertised.port());
            log.info("Broker {} of cluster {} listening on {}:{} (advertised as {}:{}), data in {}", config.nodeId(), store.clusterId(),
                    listener.bindsAll() ? "*" : listener.host(), server.port(), advertised.host(), advertised.port(), logDir.toAbsolutePath().normalize());
            return new Broker(store, groups, transactions, requestHandlers, server, cluster);
        } catch (Exception | Error e) {
            if (requestHandlers != null) {
                requestHandlers.close();
            }
            if (transactions != null) {
                transactions.close();
            }
            if (groups != null) {
                groups.close();
            }
            store.close();
            throw e;
        }
    }

    /** The connection configs; the hosts of {@code max.connections.per.ip.overrides} are resolved once, as Kafka does. */
    private static ConnectionLimits connectionLimits(BrokerConfig config) {
        Map<InetAddress, Integer> overrides = new HashMap<>();
        for (Map.Entry<String, Integer> e : config.maxConnectionsPerIpOverrides().entrySet()) {
            try {
                overrides.put(InetAddress.getByName(e.getKey()), e.getValue());
            } catch (UnknownHostException ex) {
                throw new ConfigException(BrokerConfig.MAX_CONNECTIONS_PER_IP_OVERRIDES, e.getKey(), "unknown host");
            }
        }
        return new ConnectionLimits(config.connectionsMaxIdleMs(), config.maxConnections(), config.maxConnectionsPerIp(), overrides);
    }

    /**
     * The listeners that are not KRaft controller listeners ({@code controller.listener.names}), so Kafka's
     * own server.properties ({@code PLAINTEXT://:9092,CONTROLLER://:9093}) works as it is; the first is served.
     */
    private static List<Listener> clientListeners(BrokerConfig config) {
        String controllers = (String) config.value("controller.listener.names");
        List<String> controllerNames = controllers == null ? List.of() : List.of(controllers.toUpperCase(java.util.Locale.ROOT).split("\\s*,\\s*"));
        List<Listener> candidates = config.listeners().stream().map(Listener::parse)
                .filter(l -> !controllerNames.contains(l.name().toUpperCase(java.util.Locale.ROOT))).toList();
        if (candidates.isEmpty()) {
            throw new ConfigException("listeners has no listener for clients (all are controller listeners): " + config.listeners());
        }
        if (config.listeners().size() > 1) {
            log.warn("Serving listener {}; ignoring the other listeners of {}", candidates.get(0).name(), config.listeners());
        }
        return candidates;
    }

    private static SecurityProtocol securityProtocol(String listenerName, String map) {
        for (String entry : map.split(",")) {
            String[] kv = entry.trim().split(":");
            if (kv.length == 2 && kv[0].trim().equalsIgnoreCase(listenerName)) {
                return SecurityProtocol.forName(kv[1].trim());
            }
        }
        try {
            return SecurityProtocol.forName(listenerName);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("No security protocol for listener " + listenerName + " in listener.security.protocol.map");
        }
    }

    /** The advertised listener of the same name; port 0 or a wildcard host are replaced by what was bound. */
    private static Listener advertised(BrokerConfig config, Listener bound, int boundPort) throws UnknownHostException {
        Listener chosen = bound;
        for (String spec : config.advertisedListeners()) {
            Listener l = Listener.parse(spec);
            if (l.name().equalsIgnoreCase(bound.name())) {
                chosen = l;
            }
        }
        String host = chosen.bindsAll() ? InetAddress.getLocalHost().getCanonicalHostName() : chosen.host();
        return new Listener(chosen.name(), host, chosen.port() == 0 ? boundPort : chosen.port());
    }

    /** The port the listener bound. */
    public int port() {
        return server.port();
    }

    public String clusterId() {
        return cluster.clusterId();
    }

    @Override
    public void close() {
        log.info("Shutting down");
        server.close();
        requestHandlers.close(); // after the listener: no new requests; before the store: handlers may still be writing
        transactions.close();
        groups.close();
        store.close();
        log.info("Shut down cleanly");
    }
}
