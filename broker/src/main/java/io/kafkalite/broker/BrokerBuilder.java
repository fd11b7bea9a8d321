package io.kafkalite.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts a broker inside the calling JVM, for tests and embedding:
 * <pre>{@code
 * try (Broker broker = Broker.builder().inMemory().topic("orders", 3).start()) {
 *     props.put("bootstrap.servers", broker.bootstrapServers());
 *     ...
 * }
 * }</pre>
 * By default it listens on a free port of localhost and keeps its data in a new temporary directory,
 * removed on close; {@link #inMemory()} writes nothing to disk, {@link #dataDir(Path)} keeps the data.
 * Defaults differ from a production broker's only where tests wait for nothing
 * ({@code group.initial.rebalance.delay.ms=0}, short group and transaction timers) and in not registering JMX
 * MBeans ({@code kafkalite.metrics.jmx.enable=false}); every
 * {@link #config(String, String)} overrides them.
 */
public final class BrokerBuilder {
    /** Overridable test-friendly defaults; Kafka's own test harness and Testcontainers set the same. */
    static final Map<String, String> EMBEDDED_DEFAULTS = Map.of(
            "group.initial.rebalance.delay.ms", "0",
            "auto.create.topics.enable", "true",
            "group.min.session.timeout.ms", "100",
            "group.consumer.heartbeat.interval.ms", "500",
            "group.consumer.session.timeout.ms", "10000",
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000",
            "num.network.threads", "1",
            "num.io.threads", "2",
            // the platform MBean server costs a test JVM some 15 MiB and 0.1 s of CPU; Kafka's MBeans on request
            "kafkalite.metrics.jmx.enable", "false");

    private final Map<String, String> configs = new LinkedHashMap<>(EMBEDDED_DEFAULTS);
    private final Map<String, Integer> topics = new LinkedHashMap<>();
    private int port;
    private SaslUser saslUser;
    private boolean inMemory;
    private Path dataDir;
    private ClusterMode.QuorumStarter quorumStarter = ClusterMode.RATIS;

    BrokerBuilder() { }

    /** Cluster mode (tests): how the metadata quorum starts, instead of Ratis. */
    BrokerBuilder quorum(ClusterMode.QuorumStarter starter) {
        this.quorumStarter = starter;
        return this;
    }

    /** The PLAINTEXT port on localhost; 0 (the default) picks a free one, so brokers never collide. */
    public BrokerBuilder port(int port) {
        this.port = port;
        return this;
    }

    /** Keeps everything in memory: nothing is written to disk, nothing survives {@link Broker#close()}. */
    public BrokerBuilder inMemory() {
        this.inMemory = true;
        this.dataDir = null;
        return this;
    }

    /** Keeps the data in this directory (created if missing; not removed on close), so a new broker can reopen it. */
    public BrokerBuilder dataDir(Path dir) {
        this.dataDir = dir;
        this.inMemory = false;
        return this;
    }

    /** A broker setting, by Kafka's name ({@code num.partitions}, {@code listeners}, {@code ssl.keystore.location}, ...). */
    public BrokerBuilder config(String key, String value) {
        configs.put(key, value);
        return this;
    }

    public BrokerBuilder configs(Map<String, String> settings) {
        configs.putAll(settings);
        return this;
    }

    /**
     * Security on: the listener becomes SASL_PLAINTEXT, accepting this user with PLAIN (SCRAM users can be
     * added with the admin client). {@link Broker#clientConfig()} gives the matching client settings.
     */
    public BrokerBuilder sasl(String user, String password) {
        this.saslUser = new SaslUser(user, password);
        return this;
    }

    /** A topic created before {@link #start()} returns. */
    public BrokerBuilder topic(String name, int partitions) {
        topics.put(name, partitions);
        return this;
    }

    /** Starts the broker; it serves requests when this returns. */
    public Broker start() {
        Map<String, String> props = new LinkedHashMap<>();
        if (saslUser == null) {
            props.put("listeners", "PLAINTEXT://localhost:" + port);
        } else {
            props.put("listeners", "SASL_PLAINTEXT://localhost:" + port);
            props.putAll(saslUser.brokerConfig());
        }
        props.putAll(configs);
        Path dir = dataDir;
        Runnable afterClose = () -> { };
        try {
            if (dir == null && !inMemory) {
                dir = Files.createTempDirectory("kafkalite-");
                Path temporary = dir;
                afterClose = () -> deleteRecursively(temporary);
            }
            if (dir != null) {
                props.put("log.dirs", dir.toString());
            }
            Broker broker = Broker.start(props, inMemory, afterClose, quorumStarter);
            broker.clientSecurity(saslUser == null ? Map.of() : saslUser.clientConfig());
            try {
                topics.forEach(broker::createTopic);
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("The broker failed to start: " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
