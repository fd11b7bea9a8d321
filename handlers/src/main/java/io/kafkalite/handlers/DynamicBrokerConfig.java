package io.kafkalite.handlers;

import io.kafkalite.logstore.DurableMap;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's configuration as it is now: {@code server.properties} overridden by the dynamic configs set
 * through IncrementalAlterConfigs / AlterConfigs, with Kafka's precedence: per-broker dynamic (resource name =
 * this node's id) > cluster-wide dynamic default (empty resource name) > static > default.
 *
 * <p>The live view for other parts: {@link #current()} is the effective {@link BrokerConfig}, and
 * {@link #subscribe} calls back after a change of any of the given names (on the thread that made it, once
 * it is durable), so a component can resize or reload itself.
 *
 * <p>Durable map {@code broker_configs}, one entry per resource: key {@code "<default>"} or the node id
 * (UTF-8), value {@code [count int32] ([name length int32][name UTF-8][value length int32][value UTF-8])*};
 * an empty resource has no entry. Entries of other node ids are ignored (kept), as Kafka ignores another
 * broker's configs. Stored configs that are no longer valid are dropped at start-up with an error log.
 */
public final class DynamicBrokerConfig {
    private static final Logger log = LoggerFactory.getLogger(DynamicBrokerConfig.class);
    private static final String DEFAULT_KEY = "<default>";
    /** Most configs one resource holds (custom names are free): Kafka's controller takes at most 10,000 records per change. */
    static final int MAX_CONFIGS_PER_RESOURCE = 10_000;
    /** The broker configs that are defaults of topic configs ({@code log.retention.ms}, {@code message.max.bytes}, ...). */
    public static final Set<String> TOPIC_DEFAULTS = DynamicConfigNames.LOG;

    private record Subscription(Set<String> names, Consumer<BrokerConfig> listener) { }

    private final BrokerConfig staticConfig;
    private final DurableMap table;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private volatile Map<String, String> clusterDefaults = Map.of();
    private volatile Map<String, String> brokerOverrides = Map.of();
    private volatile BrokerConfig current;

    private DynamicBrokerConfig(BrokerConfig staticConfig, DurableMap table) {
        this.staticConfig = staticConfig;
        this.table = table;
        this.current = staticConfig;
    }

    /** Reads the stored dynamic configs; {@link #current()} then includes them. */
    public static DynamicBrokerConfig load(BrokerConfig staticConfig, DurableMap table) {
        DynamicBrokerConfig config = new DynamicBrokerConfig(staticConfig, table);
        config.read();
        if (!config.clusterDefaults.isEmpty() || !config.brokerOverrides.isEmpty()) {
            log.info("Dynamic broker configs: cluster-wide {}, broker {}", config.clusterDefaults, config.brokerOverrides);
        }
        return config;
    }

    private void read() {
        String brokerKey = String.valueOf(staticConfig.nodeId());
        Map<String, String> defaults = Map.of();
        Map<String, String> broker = Map.of();
        for (Map.Entry<String, byte[]> e : entries().entrySet()) {
            if (e.getKey().equals(DEFAULT_KEY)) {
                defaults = usable(decode(e.getValue()), false);
            } else if (e.getKey().equals(brokerKey)) {
                broker = usable(decode(e.getValue()), true);
            }
        }
        clusterDefaults = defaults;
        brokerOverrides = broker;
        current = effective(defaults, broker);
    }

    private Map<String, byte[]> entries() {
        Map<String, byte[]> entries = new HashMap<>();
        table.forEach((k, v) -> entries.put(new String(k, StandardCharsets.UTF_8), v));
        return entries;
    }

    /**
     * Re-reads the stored configs and tells the subscribers what changed: in a cluster, after a change made on another
     * node (a cluster-wide default) was applied to this node's table.
     */
    public synchronized void reload() {
        BrokerConfig before = current;
        read();
        notifyChanged(before, current);
    }

    /** The effective configuration now. */
    public BrokerConfig current() {
        return current;
    }

    /** The properties the broker was started with. */
    public Map<String, String> staticProps() {
        return staticConfig.originals();
    }

    /** The cluster-wide dynamic defaults (resource name ""). */
    public Map<String, String> clusterDefaults() {
        return clusterDefaults;
    }

    /** This broker's own dynamic configs (resource name = its id). */
    public Map<String, String> brokerOverrides() {
        return brokerOverrides;
    }

    /** Calls {@code listener} with the new effective config after a change of any of {@code names}. */
    public void subscribe(Collection<String> names, Consumer<BrokerConfig> listener) {
        subscriptions.add(new Subscription(Set.copyOf(names), listener));
    }

    /**
     * Changes one resource's dynamic configs: {@code change} gets its current ones (a copy) and returns the next.
     * @param resourceName "" for the cluster-wide default, else this broker's id
     */
    synchronized ApiError alter(String resourceName, UnaryOperator<Map<String, String>> change, boolean validateOnly) {
        try {
            boolean perBroker = !resourceName.isEmpty();
            if (perBroker) {
                checkNodeId(resourceName, staticConfig.nodeId());
            }
            Map<String, String> next = change.apply(new LinkedHashMap<>(perBroker ? brokerOverrides : clusterDefaults));
            if (next.size() > MAX_CONFIGS_PER_RESOURCE) {
                throw new InvalidRequestException("A broker resource holds at most " + MAX_CONFIGS_PER_RESOURCE + " dynamic configs, not "
                        + next.size());
            }
            DynamicConfigNames.validate(next, perBroker);
            Map<String, String> nextDefaults = perBroker ? clusterDefaults : Map.copyOf(next);
            Map<String, String> nextBroker = perBroker ? Map.copyOf(next) : brokerOverrides;
            BrokerConfig before = current;
            BrokerConfig after = effective(nextDefaults, nextBroker);
            DynamicConfigNames.validateThreadCounts(typedValues(before), typedValues(after));
            if (validateOnly) {
                return ApiError.NONE;
            }
            store(perBroker ? String.valueOf(staticConfig.nodeId()) : DEFAULT_KEY, next);
            clusterDefaults = nextDefaults;
            brokerOverrides = nextBroker;
            current = after;
            log.info("Dynamic broker configs of {} are now {}", perBroker ? "broker " + resourceName : "the cluster default", next.keySet());
            notifyChanged(before, after);
            return ApiError.NONE;
        } catch (ApiException e) {
            return new ApiError(Errors.forException(e), e.getMessage());
        } catch (ConfigException e) {
            return new ApiError(Errors.INVALID_REQUEST, e.getMessage()); // as Kafka (KAFKA-13609): INVALID_REQUEST, not INVALID_CONFIG
        }
    }

    /** Kafka's check of a BROKER resource name: an integer, this node's id. */
    static void checkNodeId(String name, int nodeId) {
        int id;
        try {
            id = Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Node id must be an integer, but it is: " + name);
        }
        if (id != nodeId) {
            throw new InvalidRequestException("Unexpected broker id, expected " + nodeId + ", but received " + name);
        }
    }

    /** Every known config's parsed value in {@code config} (BrokerConfig's and the dynamic-only ones), for DescribeConfigs. */
    static Map<String, Object> typedValues(BrokerConfig config) {
        Map<String, Object> values = new HashMap<>();
        for (String name : BrokerConfig.definition().names()) {
            values.put(name, config.value(name));
        }
        for (ConfigDef.ConfigKey key : DynamicConfigNames.extraKeys()) {
            String raw = config.originals().get(key.name);
            values.put(key.name, raw == null ? key.defaultValue : ConfigDef.parseType(key.name, raw, key.type));
        }
        return values;
    }

    private BrokerConfig effective(Map<String, String> defaults, Map<String, String> broker) {
        Map<String, String> merged = new LinkedHashMap<>(staticConfig.originals());
        merged.putAll(defaults);
        merged.putAll(broker);
        return BrokerConfig.quiet(merged);
    }

    private void store(String key, Map<String, String> configs) {
        byte[] value = configs.isEmpty() ? null : encode(configs);
        try {
            table.write(List.of(new AbstractMap.SimpleEntry<>(key.getBytes(StandardCharsets.UTF_8), value))).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaStorageException("Interrupted while storing the broker configs");
        } catch (ExecutionException | TimeoutException e) {
            log.error("Storing the dynamic broker configs failed", e);
            throw new KafkaStorageException("The broker configs could not be stored: " + e.getMessage());
        }
    }

    private void notifyChanged(BrokerConfig before, BrokerConfig after) {
        Set<String> changed = new HashSet<>(before.originals().keySet());
        changed.addAll(after.originals().keySet());
        changed.removeIf(n -> Objects.equals(before.originals().get(n), after.originals().get(n)));
        for (Subscription s : subscriptions) {
            if (s.names().stream().anyMatch(changed::contains)) {
                try {
                    s.listener().accept(after);
                } catch (RuntimeException e) {
                    log.error("Applying the changed broker configs {} failed", changed, e);
                }
            }
        }
    }

    /** The stored configs that still pass the checks, one by one; the others are dropped with an error log, as Kafka. */
    private Map<String, String> usable(Map<String, String> stored, boolean perBroker) {
        Map<String, String> kept = new LinkedHashMap<>();
        stored.forEach((name, value) -> {
            try {
                DynamicConfigNames.validate(Map.of(name, value), perBroker);
                BrokerConfig.quiet(Map.of(name, value));
                kept.put(name, value);
            } catch (ApiException | ConfigException e) {
                log.error("Ignoring the stored dynamic broker config {}={}: {}", name, value, e.getMessage());
            }
        });
        return Map.copyOf(kept);
    }

    static byte[] encode(Map<String, String> configs) {
        List<byte[]> parts = new java.util.ArrayList<>();
        int size = 4;
        for (Map.Entry<String, String> e : configs.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            parts.add(k);
            parts.add(v);
            size += 8 + k.length + v.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size).putInt(configs.size());
        for (byte[] part : parts) {
            buf.putInt(part.length).put(part);
        }
        return buf.array();
    }

    static Map<String, String> decode(byte[] stored) {
        ByteBuffer buf = ByteBuffer.wrap(stored);
        int count = buf.getInt();
        Map<String, String> configs = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            configs.put(string(buf), string(buf));
        }
        return configs;
    }

    private static String string(ByteBuffer buf) {
        byte[] bytes = new byte[buf.getInt()];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
