package io.kafkalite.handlers;

import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Range.atLeast;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.InvalidRequestException;

/**
 * Which broker configs may change at run time, with Apache Kafka 4.4's lists and checks
 * (DynamicBrokerConfig.ALL_DYNAMIC_CONFIGS, its per-broker-only ones, the thread-count rule). A name
 * Kafka does not know is a custom config and may be set, as in Kafka.
 */
final class DynamicConfigNames {
    private DynamicConfigNames() { }

    /** The broker defaults of topic configs: changing one changes every topic without an override. */
    static final Set<String> LOG = Set.of("compression.gzip.level", "compression.lz4.level", "compression.type",
            "compression.zstd.level", "cordoned.log.dirs", "log.cleaner.delete.retention.ms", "log.cleaner.max.compaction.lag.ms",
            "log.cleaner.min.cleanable.ratio", "log.cleaner.min.compaction.lag.ms", "log.cleanup.policy", "log.flush.interval.messages",
            "log.flush.interval.ms", "log.index.interval.bytes", "log.index.size.max.bytes", "log.local.retention.bytes",
            "log.local.retention.ms", "log.message.timestamp.after.max.ms", "log.message.timestamp.before.max.ms",
            "log.message.timestamp.type", "log.preallocate", "log.remote.copy.lag.bytes", "log.remote.copy.lag.ms", "log.retention.bytes",
            "log.retention.ms", "log.roll.jitter.ms", "log.roll.ms", "log.segment.bytes", "log.segment.delete.delay.ms",
            "max.decompressed.message.bytes", "message.max.bytes", "min.insync.replicas", "unclean.leader.election.enable");

    /** Kafka's per-listener and security settings: dynamic in Kafka, refused here (TLS and SASL are not reloaded). */
    static final Set<String> LISTENER_AND_SECURITY = Set.of("listener.security.protocol.map", "listeners", "principal.builder.class",
            "sasl.enabled.mechanisms", "sasl.jaas.config", "sasl.kerberos.kinit.cmd", "sasl.kerberos.min.time.before.relogin",
            "sasl.kerberos.principal.to.local.rules", "sasl.kerberos.service.name", "sasl.kerberos.ticket.renew.jitter",
            "sasl.kerberos.ticket.renew.window.factor", "sasl.login.refresh.buffer.seconds", "sasl.login.refresh.min.period.seconds",
            "sasl.login.refresh.window.factor", "sasl.login.refresh.window.jitter", "sasl.mechanism.inter.broker.protocol",
            "ssl.cipher.suites", "ssl.client.auth", "ssl.enabled.protocols", "ssl.endpoint.identification.algorithm",
            "ssl.engine.factory.class", "ssl.key.password", "ssl.keymanager.algorithm", "ssl.keystore.certificate.chain",
            "ssl.keystore.key", "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.protocol", "ssl.provider",
            "ssl.secure.random.implementation", "ssl.trustmanager.algorithm", "ssl.truststore.certificates", "ssl.truststore.location",
            "ssl.truststore.password", "ssl.truststore.type");

    /** Thread counts: Kafka lets each change to at least half and at most double its current value. */
    static final Set<String> THREAD_COUNTS = Set.of("num.io.threads", "num.replica.fetchers", "num.recovery.threads.per.data.dir",
            "background.threads", "num.network.threads");

    /** Every name Kafka 4.4 can change at run time. */
    static final Set<String> DYNAMIC = union(LOG, LISTENER_AND_SECURITY, THREAD_COUNTS, Set.of(
            "config.providers", "errors.deadletterqueue.auto.create.topics.enable", "errors.deadletterqueue.topic.name.prefix",
            "follower.fetch.last.tiered.offset.enable", "follower.replication.throttled.rate", "leader.replication.throttled.rate",
            "replica.alter.log.dirs.io.max.bytes.per.second", "group.consumer.assignment.interval.ms",
            "group.consumer.assignor.offload.enable", "group.coordinator.cached.buffer.max.bytes", "group.share.assignment.interval.ms",
            "group.share.assignor.offload.enable", "group.streams.assignment.interval.ms", "group.streams.assignor.offload.enable",
            "log.cleaner.backoff.ms", "log.cleaner.dedupe.buffer.size", "log.cleaner.io.buffer.load.factor", "log.cleaner.io.buffer.size",
            "log.cleaner.io.max.bytes.per.second", "log.cleaner.threads", "max.connection.creation.rate", "max.connections",
            "max.connections.per.ip", "max.connections.per.ip.overrides", "num.network.threads", "metric.reporters",
            "producer.id.expiration.ms", "transaction.partition.verification.enable", "remote.fetch.max.wait.ms",
            "remote.list.offsets.request.timeout.ms", "remote.log.index.file.cache.total.size.bytes",
            "remote.log.manager.copier.thread.pool.size", "remote.log.manager.copy.max.bytes.per.second",
            "remote.log.manager.expiration.thread.pool.size", "remote.log.manager.fetch.max.bytes.per.second",
            "remote.log.manager.follower.thread.pool.size", "remote.log.reader.threads", "share.coordinator.cached.buffer.max.bytes"));

    /** Only per broker (not in the cluster-wide default): the listener and security ones, and {@code cordoned.log.dirs}. */
    private static final Set<String> PER_BROKER = union(LISTENER_AND_SECURITY, Set.of("cordoned.log.dirs"));

    /** Kafka's static broker configs plus this broker's own names that are not dynamic. */
    private static final Set<String> STATIC = staticNames();

    /**
     * Types of dynamic configs {@link BrokerConfig} does not define (yet): their values are checked as Kafka does.
     * A name {@link BrokerConfig} defines is checked by its definition instead.
     */
    private static final ConfigDef EXTRA_TYPES = new ConfigDef()
            .define("background.threads", Type.INT, 10, atLeast(1), LOW, "Background threads (no effect here).")
            .define("num.replica.fetchers", Type.INT, 1, LOW, "Replica fetchers (no replication here).")
            .define("num.recovery.threads.per.data.dir", Type.INT, 2, atLeast(1), LOW, "Recovery threads (no effect here).")
            .define("log.cleaner.threads", Type.INT, 1, atLeast(0), LOW, "Log cleaner threads.")
            .define("log.cleaner.dedupe.buffer.size", Type.LONG, 128L * 1024 * 1024, LOW, "Log cleaner offset map memory.")
            .define("log.cleaner.io.max.bytes.per.second", Type.DOUBLE, Double.MAX_VALUE, LOW, "Log cleaner I/O limit.")
            .define("log.cleaner.backoff.ms", Type.LONG, 15_000L, atLeast(0), LOW, "Log cleaner sleep when idle.")
            .define("log.cleaner.io.buffer.size", Type.INT, 512 * 1024, atLeast(0), LOW, "Log cleaner I/O buffers.")
            .define("log.cleaner.io.buffer.load.factor", Type.DOUBLE, 0.9, LOW, "Log cleaner offset map load factor.")
            .define("producer.id.expiration.ms", Type.INT, 86_400_000, atLeast(1), LOW, "Idle idempotent producers are forgotten after this.")
            .define("metric.reporters", Type.LIST, "", LOW, "Metrics reporter classes (not loaded here).")
            .define("max.connection.creation.rate", Type.INT, Integer.MAX_VALUE, atLeast(0), LOW, "Connection rate limit (not enforced).")
            .define("leader.replication.throttled.rate", Type.LONG, Long.MAX_VALUE, atLeast(0), LOW, "Replication throttle (no replication).")
            .define("follower.replication.throttled.rate", Type.LONG, Long.MAX_VALUE, atLeast(0), LOW, "Replication throttle (no replication).")
            .define("replica.alter.log.dirs.io.max.bytes.per.second", Type.LONG, Long.MAX_VALUE, atLeast(0), LOW, "Log dir move throttle.");

    /** The definition of a broker config name: {@link BrokerConfig}'s, else one of {@link #EXTRA_TYPES}, else null (custom). */
    static ConfigDef.ConfigKey key(String name) {
        ConfigDef.ConfigKey key = BrokerConfig.definition().configKeys().get(name);
        return key != null ? key : EXTRA_TYPES.configKeys().get(name);
    }

    /** The dynamic-only configs {@link BrokerConfig} does not define, for DescribeConfigs. */
    static Iterable<ConfigDef.ConfigKey> extraKeys() {
        return EXTRA_TYPES.configKeys().values().stream().filter(k -> !BrokerConfig.definition().names().contains(k.name)).toList();
    }

    /**
     * Kafka's checks of one resource's dynamic configs, in Kafka's order and with its messages.
     * @param perBroker the resource is this broker (its id), not the cluster-wide default ("")
     * @throws InvalidRequestException as Kafka answers each of them
     */
    static void validate(Map<String, String> props, boolean perBroker) {
        refuse(filter(props.keySet(), STATIC), "Cannot update these configs dynamically");
        refuse(filter(props.keySet(), Set.copyOf(SslConfigs.RECONFIGURABLE_CONFIGS)),
                "These security configs can be dynamically updated only per-listener using the listener prefix");
        for (Map.Entry<String, String> e : props.entrySet()) {
            String name = e.getKey().startsWith("listener.name.") ? baseName(e.getKey()) : e.getKey();
            ConfigDef.ConfigKey key = key(name);
            if (key != null) {
                try {
                    Object value = ConfigDef.parseType(name, e.getValue(), key.type);
                    if (key.validator != null) {
                        key.validator.ensureValid(name, value);
                    }
                } catch (ConfigException ex) {
                    throw new InvalidRequestException(ex.getMessage());
                }
            }
        }
        if (props.containsKey(BrokerConfig.MAX_CONNECTIONS_PER_IP_OVERRIDES)) {
            resolvable(props.get(BrokerConfig.MAX_CONNECTIONS_PER_IP_OVERRIDES));
        }
        if (!perBroker) {
            Set<String> perBrokerOnly = filter(props.keySet(), PER_BROKER);
            props.keySet().stream().filter(n -> n.startsWith("listener.name.")).forEach(perBrokerOnly::add);
            refuse(perBrokerOnly, "Cannot update these configs at default cluster level, broker id must be specified");
        }
        // dynamic in Kafka, but this broker cannot apply them while it runs: refused rather than pretended
        Set<String> unsupported = filter(props.keySet(), LISTENER_AND_SECURITY);
        props.keySet().stream().filter(n -> n.startsWith("listener.name.")).forEach(unsupported::add);
        if (!unsupported.isEmpty()) {
            throw new InvalidRequestException("This broker cannot change listener, TLS or SASL settings while it runs (keystores and "
                    + "SASL callbacks are not reloaded): " + unsupported + "; set them in server.properties and restart");
        }
    }

    /** Kafka's rule for thread counts: a change to at least half and at most double the current value. */
    static void validateThreadCounts(Map<String, Object> before, Map<String, Object> after) {
        for (String name : THREAD_COUNTS) {
            int old = (Integer) before.get(name);
            int next = (Integer) after.get(name);
            if (next != old) {
                String prefix = "Dynamic thread count update validation failed for " + name + "=" + next;
                if (next <= 0) {
                    throw new InvalidRequestException(prefix + ", value should be at least 1");
                }
                if (next < old / 2) {
                    throw new InvalidRequestException(prefix + ", value should be at least half the current value " + old);
                }
                if (next > old * 2) {
                    throw new InvalidRequestException(prefix + ", value should not be greater than double the current value " + old);
                }
            }
        }
    }

    /** Kafka's synonyms of a broker config, highest precedence first ({@code log.retention.ms} before {@code .hours}). */
    static List<String> synonyms(String name) {
        return switch (name) {
            case "log.roll.ms", "log.roll.hours" -> List.of("log.roll.ms", "log.roll.hours");
            case "log.roll.jitter.ms", "log.roll.jitter.hours" -> List.of("log.roll.jitter.ms", "log.roll.jitter.hours");
            case "log.flush.interval.ms" -> List.of("log.flush.interval.ms", "log.flush.scheduler.interval.ms");
            case "log.retention.ms", "log.retention.minutes", "log.retention.hours" ->
                    List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours");
            default -> List.of(name);
        };
    }

    /** Each host of {@code max.connections.per.ip.overrides} resolves (the broker resolves them when it applies them). */
    private static void resolvable(String overrides) {
        for (String host : BrokerConfig.parsePerIpOverrides(BrokerConfig.MAX_CONNECTIONS_PER_IP_OVERRIDES, overrides).keySet()) {
            try {
                InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new InvalidRequestException("Invalid value " + overrides + " for configuration "
                        + BrokerConfig.MAX_CONNECTIONS_PER_IP_OVERRIDES + ": unknown host " + host);
            }
        }
    }

    private static String baseName(String listenerConfig) {
        String rest = listenerConfig.substring("listener.name.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(dot + 1);
    }

    private static void refuse(Set<String> names, String message) {
        if (!names.isEmpty()) {
            throw new InvalidRequestException(message + ": " + names);
        }
    }

    private static Set<String> filter(Set<String> names, Set<String> of) {
        Set<String> found = new TreeSet<>();
        names.stream().filter(of::contains).forEach(found::add);
        return found;
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new LinkedHashSet<>();
        for (Set<String> s : sets) {
            all.addAll(s);
        }
        return Set.copyOf(all);
    }

    private static Set<String> staticNames() {
        Set<String> names = new LinkedHashSet<>(BrokerConfig.definition().names());
        names.add("kafkalite.metadata.store.max.bytes");
        names.add("producer.id.expiration.check.interval.ms");
        try (InputStream in = DynamicConfigNames.class.getResourceAsStream("static-broker-configs.txt");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(names::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.removeAll(DYNAMIC);
        return Set.copyOf(names);
    }
}
