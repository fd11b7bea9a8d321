package io.kafkalite.broker;

import io.kafkalite.acl.AclAuthorizer;
import io.kafkalite.acl.SaslMechanisms;
import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.acl.TlsContexts;
import io.kafkalite.groups.CoordinatorThread;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TransactionConfig;
import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.handlers.Authorization;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.handlers.ClusterInfo;
import io.kafkalite.handlers.DynamicBrokerConfig;
import io.kafkalite.handlers.HandlerRegistry;
import io.kafkalite.handlers.Handlers;
import io.kafkalite.handlers.TransactionMarkerWriter;
import io.kafkalite.handlers.coordination.ClusterCoordination;
import io.kafkalite.handlers.coordination.CoordinatorSeat;
import io.kafkalite.handlers.coordination.ReplicatedTables;
import io.kafkalite.handlers.metrics.BrokerMetrics;
import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.cluster.QuorumConfig;
import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.ConnectionLimits;
import io.kafkalite.wire.KafkaServer;
import io.kafkalite.wire.ListenerSpec;
import io.kafkalite.wire.NettyStartup;
import io.kafkalite.wire.RequestHandlerPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.common.ClusterResource;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running broker: the log store, the handlers and the listener. Close it to shut down cleanly. */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final LogStore store;
    private final Coordinators coordinators;
    private final ClusterCoordination coordination; // null on one broker
    private final RequestHandlerPool requestHandlers;
    private final List<KafkaServer> servers;
    private final ClusterInfo cluster;
    private final Authorizer authorizer;
    private final List<SecuredListener> listeners;
    private final FaultInjector faults;
    private final BrokerMetrics metrics;
    private final PrometheusEndpoint prometheus;
    private final ClusterMode clusterMode; // null on one broker
    private final int defaultReplicationFactor;

    private final Runnable afterClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Map<String, String> clientSecurity = Map.of();

    private Broker(LogStore store, Coordinators coordinators, ClusterCoordination coordination, RequestHandlerPool requestHandlers,
                   List<KafkaServer> servers, ClusterInfo cluster, Authorizer authorizer, List<SecuredListener> listeners,
                   FaultInjector faults, BrokerMetrics metrics, PrometheusEndpoint prometheus, Runnable afterClose,
                   ClusterMode clusterMode, int defaultReplicationFactor) {
        this.clusterMode = clusterMode;
        this.defaultReplicationFactor = defaultReplicationFactor;
        this.faults = faults;
        this.metrics = metrics;
        this.prometheus = prometheus;
        this.afterClose = afterClose;
        this.listeners = listeners;
        this.authorizer = authorizer;
        this.store = store;
        this.coordinators = coordinators;
        this.coordination = coordination;
        this.requestHandlers = requestHandlers;
        this.servers = servers;
        this.cluster = cluster;
    }

    /** A broker for tests and embedding: a free port, test-friendly defaults, data in a temporary directory or in memory. */
    public static BrokerBuilder builder() {
        return new BrokerBuilder();
    }

    /** Starts a broker from Kafka-named properties, its data in {@code log.dirs}. */
    public static Broker start(Map<String, String> props) throws Exception {
        return start(props, false, () -> { });
    }

    /**
     * @param inMemory keep everything in memory (nothing is written to {@code log.dirs})
     * @param afterClose runs once the broker is closed, or when it fails to start
     */
    static Broker start(Map<String, String> props, boolean inMemory, Runnable afterClose) throws Exception {
        return start(props, inMemory, afterClose, ClusterMode.RATIS);
    }

    /** @param quorumStarter starts the metadata quorum in cluster mode (tests: an in-JVM one) */
    static Broker start(Map<String, String> props, boolean inMemory, Runnable afterClose, ClusterMode.QuorumStarter quorumStarter)
            throws Exception {
        NettyStartup.applyDefaults();
        BrokerConfig config;
        List<Listener> clientListeners;
        LogStore store;
        QuorumConfig quorumConfig;
        try {
            config = new BrokerConfig(KafkaClassNames.relocate(props));
            UnsupportedSecurity.refuse(config.originals());
            clientListeners = clientListeners(config);
            // what the listeners need and the store does not, initialized while the store opens
            Handlers.preloadProtocol();
            NettyStartup.preload();
            quorumConfig = QuorumConfig.parse(config.originals());
            Map<String, String> storeProps = config.originals();
            if (quorumConfig != null) { // cluster mode: a new store gets the quorum's cluster id
                storeProps = new HashMap<>(storeProps);
                storeProps.put(LogStore.CLUSTER_ID_CONFIG, quorumConfig.clusterId());
            }
            store = inMemory ? LogStore.inMemory(storeProps) : LogStore.open(config.logDirs().stream().map(Path::of).toList(), storeProps);
            if (quorumConfig != null) {
                try {
                    ClusterMode.checkClusterId(store.clusterId(), quorumConfig.clusterId(), "cluster.id, meta.properties or "
                            + "derived from controller.quorum.voters");
                } catch (ConfigException e) {
                    store.close();
                    throw e;
                }
            }
        } catch (Exception | Error e) {
            afterClose.run();
            throw e;
        }
        // each durable map opened once, shared by its user and (cluster mode) the quorum's replicated writes
        Map<String, DurableMap> openMaps = new java.util.concurrent.ConcurrentHashMap<>();
        // cluster mode: the quorum applies replicated writes to the local tables; the broker's state writes through it
        ReplicatedTables tables = quorumConfig == null ? null : new ReplicatedTables(store::durableMap);
        Function<String, DurableMap> localMaps = tables != null ? tables::local : name -> openMaps.computeIfAbsent(name, store::durableMap);
        Function<String, DurableMap> maps = tables != null ? tables::metadataMap : localMaps;
        // the dynamic broker configs stored in the data directory override server.properties from here on
        DynamicBrokerConfig dynamicConfig;
        try {
            dynamicConfig = DynamicBrokerConfig.load(config, maps.apply("broker_configs"));
            config = dynamicConfig.current();
            store.updateBrokerDefaults(config.originals());
        } catch (Exception | Error e) {
            store.close();
            afterClose.run();
            throw e;
        }
        String protocolMap = (String) config.value("listener.security.protocol.map");
        List<SecuredListener> listeners = new ArrayList<>();
        Coordinators coordinators = null;
        ClusterCoordination coordination = null;
        RequestHandlerPool requestHandlers = null;
        Authorizer authorizer = null;
        BrokerMetrics metrics = null;
        PrometheusEndpoint prometheus = null;
        ClusterMode clusterMode = null;
        List<KafkaServer> servers = new ArrayList<>();
        try {
            NettyStartup.awaitPreload(); // before this thread's first use of Netty (TLS contexts, listeners)
            ScramCredentialStore scram = new ScramCredentialStore(maps.apply("scram_credentials"));
            Map<ListenerName, SaslMechanisms> sasl = new HashMap<>();
            for (Listener l : clientListeners) {
                SecuredListener secured = SecuredListener.build(l, securityProtocol(l.name(), protocolMap), config.originals(), scram);
                listeners.add(secured);
                if (secured.sasl() != null) {
                    sasl.put(secured.name(), secured.sasl());
                }
            }
            ClusterInfo cluster = new ClusterInfo(config.nodeId(), store.clusterId());
            if (quorumConfig != null) { // cluster mode: the quorum runs (and the log store follows it) before anything is served
                clusterMode = ClusterMode.start(quorumConfig, quorumStarter, localMaps, store, cluster, config);
                // the coordinators and the security tables are replicated; the coordinators follow the quorum leader on combined
                // nodes, a broker-only node computes their broker from its image (CoordinatorSeat)
                CoordinatorSeat seat = quorumConfig.isVoter() ? CoordinatorSeat.quorumLeader(clusterMode.quorum())
                        : CoordinatorSeat.fromImage(clusterMode.quorum(), quorumConfig.voters().keySet());
                coordination = ClusterCoordination.start(clusterMode.quorum(), seat, tables, store, clusterMode.replicas(),
                        config.originals(), cluster, clusterMode.interBroker());
                coordinators = coordination.coordinators();
            } else {
                GroupCoordinator groups = new GroupCoordinator(new CoordinatorThread(), GroupConfig.from(config.originals()),
                        maps.apply("group_offsets"), maps.apply("group_metadata"), Handlers.topicsView(store));
                coordinators = Coordinators.of(groups, new TransactionCoordinator(new CoordinatorThread("transaction-coordinator"),
                        TransactionConfig.from(config.originals()), maps.apply("transactions"), store::newProducerId,
                        new TransactionMarkerWriter(store), groups), store::newProducerId);
            }
            requestHandlers = new RequestHandlerPool(config.numIoThreads(), config.queuedMaxRequests());
            authorizer = AclAuthorizer.forClassName(config.originals().get("authorizer.class.name"), maps.apply("acls"), config.originals());
            startAuthorizer(authorizer, config.nodeId(), store.clusterId(), listeners);
            ClientQuotaStore quotas = new ClientQuotaStore(maps.apply("client_quotas"));
            if (coordination != null) { // changes made on other nodes reach this node's views
                coordination.follow(authorizer, scram, quotas, dynamicConfig);
            }
            HandlerRegistry handlers = Handlers.create(store, cluster, config, coordinators, sasl, scram, requestHandlers,
                    new Authorization(authorizer), dynamicConfig, quotas, clusterMode == null ? null : clusterMode.quorum(),
                    clusterMode == null ? null : clusterMode.replicas());
            metrics = handlers.metrics();
            metrics.start((Boolean) config.value(BrokerMetrics.JMX_ENABLE), (Long) config.value(BrokerMetrics.LAG_INTERVAL_MS));
            prometheus = prometheusEndpoint(config, metrics);
            FaultInjector faults = new FaultInjector(handlers, Handlers.topicsView(store)::topicName);
            for (SecuredListener secured : listeners) {
                Listener listener = secured.listener();
                ListenerSpec spec = secured.spec();
                KafkaServer server = KafkaServer.start(spec, config.socketRequestMaxBytes(), config.numNetworkThreads(),
                        connectionLimits(config), requestHandlers, faults);
                servers.add(server);
                Listener advertised = advertised(config, listener, server.port());
                cluster.advertise(spec.name(), advertised.host(), advertised.port());
                log.info("Listener {} ({}{}) on {}:{}, advertised as {}:{}", listener.name(), spec.protocol(),
                        spec.tls() == null ? "" : ", TLS engine " + TlsContexts.defaultProvider(),
                        listener.bindsAll() ? "*" : listener.host(), server.port(), advertised.host(), advertised.port());
            }
            if (clusterMode != null) { // the listeners are bound: other brokers and clients may be told where this one is
                clusterMode.register(cluster.advertisedEndpoints(), (String) config.value("broker.rack"), config);
            }
            applyAtRunTime(dynamicConfig, store, requestHandlers, servers);
            log.info("Broker {} of cluster {} started, data {}", config.nodeId(), store.clusterId(),
                    inMemory ? "in memory" : "in " + String.join(", ", config.logDirs().stream()
                            .map(d -> Path.of(d).toAbsolutePath().normalize().toString()).toList()));
            return new Broker(store, coordinators, coordination, requestHandlers, servers, cluster, authorizer, listeners, faults, metrics,
                    prometheus, afterClose, clusterMode, config.defaultReplicationFactor());
        } catch (Exception | Error e) {
            servers.forEach(KafkaServer::close);
            if (prometheus != null) {
                prometheus.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            if (requestHandlers != null) {
                requestHandlers.close();
            }
            closeQuietly(authorizer);
            listeners.forEach(SecuredListener::close);
            if (coordination != null) {
                coordination.close();
            }
            if (coordinators != null) {
                coordinators.close();
            }
            if (clusterMode != null) {
                clusterMode.close();
            }
            store.close();
            afterClose.run();
            throw e;
        }
    }

    /**
     * What a dynamic broker config change applies while the broker runs: the topic-config defaults of topics
     * without an override, {@code producer.id.expiration.ms}, the request-handler pool's size and the connection
     * limits. The others are stored and take effect at the next start (handlers/SKIPPED.md).
     */
    private static void applyAtRunTime(DynamicBrokerConfig dynamicConfig, LogStore store, RequestHandlerPool requestHandlers,
                                       List<KafkaServer> servers) {
        List<String> logConfigs = new ArrayList<>(DynamicBrokerConfig.TOPIC_DEFAULTS);
        logConfigs.add("producer.id.expiration.ms");
        dynamicConfig.subscribe(logConfigs, c -> store.updateBrokerDefaults(c.originals()));
        dynamicConfig.subscribe(List.of(BrokerConfig.NUM_IO_THREADS), c -> requestHandlers.resize(c.numIoThreads()));
        dynamicConfig.subscribe(List.of(BrokerConfig.MAX_CONNECTIONS, BrokerConfig.MAX_CONNECTIONS_PER_IP,
                BrokerConfig.MAX_CONNECTIONS_PER_IP_OVERRIDES), c -> servers.forEach(s -> s.updateConnectionLimits(connectionLimits(c))));
    }

    /** The Prometheus endpoint when {@code kafkalite.metrics.prometheus.port} is set (kafkalite-embedded leaves it out). */
    private static PrometheusEndpoint prometheusEndpoint(BrokerConfig config, BrokerMetrics metrics) throws IOException {
        int port = (Integer) config.value(BrokerMetrics.PROMETHEUS_PORT);
        if (port < 0) {
            return null;
        }
        try {
            return PrometheusEndpoint.start((String) config.value(BrokerMetrics.PROMETHEUS_HOST), port, metrics);
        } catch (NoClassDefFoundError e) {
            throw new ConfigException(BrokerMetrics.PROMETHEUS_PORT + " needs Micrometer's Prometheus registry on the class path "
                    + "(kafkalite-embedded does not bundle it): " + e.getMessage());
        }
    }

    /** Kafka starts the authorizer and waits for each endpoint's future before serving; ours completes at once, a user's may not. */
    private static void startAuthorizer(Authorizer authorizer, int nodeId, String clusterId, List<SecuredListener> listeners) {
        if (authorizer == null) {
            return;
        }
        List<Endpoint> endpoints = listeners.stream().map(l -> new Endpoint(l.name().value(), l.protocol(), l.listener().host(),
                l.listener().port())).toList();
        AuthorizerServerInfo info = new AuthorizerServerInfo() {
            @Override
            public ClusterResource clusterResource() {
                return new ClusterResource(clusterId);
            }

            @Override
            public int brokerId() {
                return nodeId;
            }

            @Override
            public Collection<Endpoint> endpoints() {
                return endpoints;
            }

            @Override
            public Endpoint interBrokerEndpoint() {
                return endpoints.get(0);
            }

            @Override
            public Collection<String> earlyStartListeners() {
                return List.of();
            }
        };
        authorizer.start(info).values().forEach(f -> f.toCompletableFuture().join());
    }

    private static void closeQuietly(Authorizer authorizer) {
        if (authorizer != null) {
            try {
                authorizer.close();
            } catch (Exception e) {
                log.warn("Closing the authorizer failed", e);
            }
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
        return new ConnectionLimits(config.connectionsMaxIdleMs(), config.maxConnections(), config.maxConnectionsPerIp(), overrides,
                (Integer) config.value(BrokerConfig.FAILED_AUTHENTICATION_DELAY_MS));
    }

    /**
     * The listeners that are not KRaft controller listeners ({@code controller.listener.names}), so Kafka's
     * own server.properties ({@code PLAINTEXT://:9092,CONTROLLER://:9093}) works as it is; each is served.
     */
    private static List<Listener> clientListeners(BrokerConfig config) {
        String controllers = (String) config.value("controller.listener.names");
        List<String> controllerNames = controllers == null ? List.of() : List.of(controllers.toUpperCase(Locale.ROOT).split("\\s*,\\s*"));
        List<Listener> candidates = config.listeners().stream().map(Listener::parse)
                .filter(l -> !controllerNames.contains(l.name().toUpperCase(Locale.ROOT))).toList();
        if (candidates.isEmpty()) {
            throw new ConfigException("listeners has no listener for clients (all are controller listeners): " + config.listeners());
        }
        Set<String> names = new HashSet<>();
        for (Listener l : candidates) {
            if (!names.add(l.name().toUpperCase(Locale.ROOT))) {
                throw new ConfigException("listeners names " + l.name() + " twice: " + config.listeners());
            }
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

    /** The port the first listener bound. */
    public int port() {
        return servers.get(0).port();
    }

    /** The port the named listener bound. */
    public int port(String listenerName) {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).listener().value().equalsIgnoreCase(listenerName)) {
                return servers.get(i).port();
            }
        }
        throw new IllegalArgumentException("No listener " + listenerName);
    }

    /** The port of the Prometheus endpoint ({@code kafkalite.metrics.prometheus.port}); -1 when there is none. */
    public int metricsPort() {
        return prometheus == null ? -1 : prometheus.port();
    }

    public String clusterId() {
        return cluster.clusterId();
    }

    /** {@code host:port} of the first listener as it is advertised: what a client's {@code bootstrap.servers} takes. */
    public String bootstrapServers() {
        return cluster.self(servers.get(0).listener()).host() + ":" + cluster.self(servers.get(0).listener()).port();
    }

    /**
     * What a stock client needs to connect: {@code bootstrap.servers}, and for a broker built with
     * {@link BrokerBuilder#sasl} the matching {@code security.protocol}, {@code sasl.mechanism} and
     * {@code sasl.jaas.config}.
     */
    public Map<String, String> clientConfig() {
        Map<String, String> config = new HashMap<>(clientSecurity);
        config.put("bootstrap.servers", bootstrapServers());
        return config;
    }

    void clientSecurity(Map<String, String> settings) {
        this.clientSecurity = Map.copyOf(settings);
    }

    /**
     * Creates a topic with the given topic configs ({@code cleanup.policy}, {@code retention.ms}, ...).
     * Only JDK exceptions escape (kafka-clients is relocated in the embedded jar).
     *
     * @throws IllegalArgumentException the name is invalid or taken
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try {
            org.apache.kafka.common.internals.Topic.validate(name);
        } catch (org.apache.kafka.common.errors.InvalidTopicException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (clusterMode != null) {
            clusterMode.createTopic(name, partitions, defaultReplicationFactor, configs);
            return;
        }
        if (store.topic(name) != null) {
            throw new IllegalArgumentException("Topic " + name + " already exists");
        }
        try {
            store.createTopic(name, partitions, configs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** Fault injection into this broker's answers, for tests: see {@link Faults}. */
    public Faults faults() {
        return new Faults(faults);
    }

    /** This broker's own metrics (tests read them: several brokers of one JVM share the JMX names). */
    BrokerMetrics metrics() {
        return metrics;
    }

    /** Shuts down cleanly; a second call does nothing. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        log.info("Shutting down");
        if (clusterMode != null) {
            clusterMode.controlledShutdown(); // leaderships move away while this broker still serves
        }
        faults.close(); // first: the requests it holds close their connections
        servers.forEach(KafkaServer::close);
        if (prometheus != null) {
            prometheus.close();
        }
        metrics.close();
        requestHandlers.close(); // after the listener: no new requests; before the store: handlers may still be writing
        closeQuietly(authorizer);
        listeners.forEach(SecuredListener::close);
        if (coordination != null) {
            coordination.close();
        }
        coordinators.close();
        if (clusterMode != null) {
            clusterMode.close();
        }
        store.close();
        afterClose.run();
        log.info("Shut down cleanly");
    }
}
