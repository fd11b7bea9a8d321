package io.kafkalite.spring;

import io.kafkalite.broker.Broker;
import io.kafkalite.broker.BrokerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.util.Assert;

/**
 * spring-kafka-test's {@link EmbeddedKafkaBroker} on a kafkalite broker in this JVM: declare it as the
 * {@code embeddedKafka} bean instead of {@code EmbeddedKafkaKraftBroker} (same constructor) and the rest of a
 * Spring test stays as it is.
 * <ul>
 *   <li>One broker ({@code count} must be 1), data in memory; {@code log.dir} or {@code log.dirs} in
 *       {@link #brokerProperties(Map)} keeps it in that directory instead.</li>
 *   <li>{@link #afterPropertiesSet()} starts it on a free port (or the one given to {@link #kafkaPorts(int...)}),
 *       creates the topics with {@link #getPartitionsPerTopic()} partitions, and sets the system properties
 *       {@value #SPRING_EMBEDDED_KAFKA_BROKERS} and {@link #brokerListProperty(String)} (default
 *       {@code spring.kafka.bootstrap-servers}, or the name in system property {@value #BROKER_LIST_PROPERTY})
 *       to its address; {@link #destroy()} closes it and clears those properties if they still hold it.</li>
 *   <li>Broker defaults as spring's: {@code num.partitions} is the partitions per topic,
 *       {@code group.initial.rebalance.delay.ms=0}; {@link #brokerProperties(Map)} overrides them.</li>
 *   <li>Topics are created through the broker's own API, synchronously; {@link #adminTimeout(int)} bounds the
 *       operations of the admin client that {@link #doWithAdmin} lends.</li>
 * </ul>
 */
public class KafkaliteEmbeddedKafkaBroker implements EmbeddedKafkaBroker {
    private static final Logger log = LoggerFactory.getLogger(KafkaliteEmbeddedKafkaBroker.class);

    private final int partitionsPerTopic;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final Map<String, String> brokerProperties = new LinkedHashMap<>();
    private final AtomicBoolean initialized = new AtomicBoolean();
    private int port;
    private Duration adminTimeout = Duration.ofSeconds(DEFAULT_ADMIN_TIMEOUT);
    private String brokerListProperty = System.getProperty(BROKER_LIST_PROPERTY, "spring.kafka.bootstrap-servers");
    private volatile Broker broker;

    /**
     * spring's {@code EmbeddedKafkaKraftBroker} constructor, so switching is a change of class name.
     *
     * @param count the number of brokers: 1
     */
    public KafkaliteEmbeddedKafkaBroker(int count, int partitions, String... topics) {
        Assert.isTrue(count == 1, () -> "kafkalite runs a single broker; count was " + count);
        Assert.isTrue(partitions > 0, "partitions must be at least 1");
        this.partitionsPerTopic = partitions;
        if (topics != null) {
            this.topics.addAll(Arrays.asList(topics));
        }
    }

    /** One port, as the single broker's; 0 picks a free one. */
    @Override
    public KafkaliteEmbeddedKafkaBroker kafkaPorts(int... ports) {
        Assert.isTrue(ports.length == 1, () -> "A port must be provided for each instance [1], provided: "
                + Arrays.toString(ports) + ", use 0 for a random port");
        this.port = ports[0];
        return this;
    }

    @Override
    public KafkaliteEmbeddedKafkaBroker brokerProperties(Map<String, String> properties) {
        // spring's factory passes a java.util.Properties cast to Map<String, String>: values may be any object
        ((Map<?, ?>) properties).forEach((k, v) -> brokerProperties.put(String.valueOf(k), String.valueOf(v)));
        return this;
    }

    public KafkaliteEmbeddedKafkaBroker brokerProperty(String property, Object value) {
        brokerProperties.put(property, String.valueOf(value));
        return this;
    }

    @Override
    public KafkaliteEmbeddedKafkaBroker brokerListProperty(String brokerListProperty) {
        this.brokerListProperty = brokerListProperty;
        return this;
    }

    @Override
    public KafkaliteEmbeddedKafkaBroker adminTimeout(int adminTimeout) {
        this.adminTimeout = Duration.ofSeconds(adminTimeout);
        return this;
    }

    public void setAdminTimeout(int adminTimeout) {
        adminTimeout(adminTimeout);
    }

    /** Starts the broker and creates the topics; later calls do nothing. */
    @Override
    public void afterPropertiesSet() {
        if (!initialized.compareAndSet(false, true)) {
            return;
        }
        long startNanos = System.nanoTime();
        BrokerBuilder builder = Broker.builder().port(port)
                .config("num.partitions", Integer.toString(partitionsPerTopic))
                .configs(brokerProperties);
        String dir = brokerProperties.getOrDefault("log.dirs", brokerProperties.get("log.dir"));
        if (dir == null) {
            builder.inMemory();
        } else {
            builder.dataDir(Path.of(dir.split(",")[0].trim()));
        }
        topics.forEach(t -> builder.topic(t, partitionsPerTopic));
        broker = builder.start();
        String brokers = getBrokersAsString();
        System.setProperty(brokerListProperty, brokers);
        System.setProperty(SPRING_EMBEDDED_KAFKA_BROKERS, brokers);
        log.info("Embedded kafkalite broker on {} in {} ms, topics {}", brokers, (System.nanoTime() - startNanos) / 1_000_000, topics);
    }

    /** Closes the broker; the address properties it set are cleared unless another broker has replaced them. */
    @Override
    public void destroy() {
        Broker running = broker;
        if (running == null) {
            return;
        }
        String brokers = running.bootstrapServers();
        running.close();
        broker = null;
        for (String property : List.of(brokerListProperty, SPRING_EMBEDDED_KAFKA_BROKERS)) {
            if (brokers.equals(System.getProperty(property))) {
                System.clearProperty(property);
            }
        }
    }

    /** The kafkalite broker itself, for what the interface does not cover; null before start and after destroy. */
    public Broker getBroker() {
        return broker;
    }

    @Override
    public String getBrokersAsString() {
        return running().bootstrapServers();
    }

    @Override
    public Set<String> getTopics() {
        return new HashSet<>(topics);
    }

    @Override
    public int getPartitionsPerTopic() {
        return partitionsPerTopic;
    }

    /** Creates the topics with the configured partitions; a failure is thrown as a {@link KafkaException}. */
    @Override
    public void addTopics(String... topicsToAdd) {
        throwFirst(addTopicsWithResults(topicsToAdd));
    }

    @Override
    public void addTopics(NewTopic... topicsToAdd) {
        throwFirst(addTopicsWithResults(topicsToAdd));
    }

    /**
     * @return each topic's failure (the broker's {@code IllegalArgumentException} for a name that is taken or
     *         invalid), or null for a topic that was created
     */
    @Override
    public Map<String, Exception> addTopicsWithResults(String... topicsToAdd) {
        return create(Arrays.stream(topicsToAdd).distinct().map(t -> new NewTopic(t, partitionsPerTopic, (short) 1)).toList());
    }

    /**
     * A topic without partitions gets {@code num.partitions}; with replica assignments, one partition per
     * assignment. As spring's, a topic added here before, or one needing more replicas than there are
     * brokers, is refused with an {@link IllegalArgumentException} before any is created.
     */
    @Override
    public Map<String, Exception> addTopicsWithResults(NewTopic... topicsToAdd) {
        running();
        for (NewTopic topic : topicsToAdd) {
            Assert.isTrue(!topics.contains(topic.name()), () -> "topic already exists: " + topic);
            Assert.isTrue(topic.replicationFactor() <= 1 && (topic.replicasAssignments() == null
                    || topic.replicasAssignments().values().stream().allMatch(replicas -> replicas.size() <= 1)),
                    () -> "Embedded kafka does not support the requested replication factor: " + topic);
        }
        return create(Arrays.asList(topicsToAdd));
    }

    private Map<String, Exception> create(List<NewTopic> newTopics) {
        Broker running = running();
        Map<String, Exception> results = new HashMap<>();
        for (NewTopic topic : newTopics) {
            topics.add(topic.name());
            try {
                running.createTopic(topic.name(), partitions(topic), topic.configs() == null ? Map.of() : topic.configs());
                results.put(topic.name(), null);
            } catch (RuntimeException e) {
                results.put(topic.name(), e);
            }
        }
        return results;
    }

    private int partitions(NewTopic topic) {
        if (topic.replicasAssignments() != null) {
            return topic.replicasAssignments().size();
        }
        return topic.numPartitions() > 0 ? topic.numPartitions()
                : Integer.parseInt(brokerProperties.getOrDefault("num.partitions", Integer.toString(partitionsPerTopic)));
    }

    private static void throwFirst(Map<String, Exception> results) {
        for (Map.Entry<String, Exception> result : results.entrySet()) {
            if (result.getValue() != null) {
                throw new KafkaException("Creating topic " + result.getKey() + " failed", result.getValue());
            }
        }
    }

    /** Lends a stock admin client on this broker, its operations bounded by the admin timeout. */
    public void doWithAdmin(java.util.function.Consumer<AdminClient> callback) {
        doWithAdminFunction(admin -> {
            callback.accept(admin);
            return null;
        });
    }

    public <T> T doWithAdminFunction(Function<AdminClient, T> callback) {
        int timeoutMs = (int) adminTimeout.toMillis();
        Map<String, Object> configs = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, getBrokersAsString(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        AdminClient admin = AdminClient.create(configs);
        try {
            return callback.apply(admin);
        } finally {
            admin.close(adminTimeout);
        }
    }

    @Override
    public void consumeFromAllEmbeddedTopics(Consumer<?, ?> consumer) {
        consumeFromAllEmbeddedTopics(consumer, false);
    }

    @Override
    public void consumeFromAllEmbeddedTopics(Consumer<?, ?> consumer, boolean seekToEnd) {
        consumeFromEmbeddedTopics(consumer, seekToEnd, topics.toArray(new String[0]));
    }

    @Override
    public void consumeFromAnEmbeddedTopic(Consumer<?, ?> consumer, String topic) {
        consumeFromEmbeddedTopics(consumer, false, topic);
    }

    @Override
    public void consumeFromAnEmbeddedTopic(Consumer<?, ?> consumer, boolean seekToEnd, String topic) {
        consumeFromEmbeddedTopics(consumer, seekToEnd, topic);
    }

    @Override
    public void consumeFromEmbeddedTopics(Consumer<?, ?> consumer, String... topicsToConsume) {
        consumeFromEmbeddedTopics(consumer, false, topicsToConsume);
    }

    /**
     * Subscribes, polls until the group assigns partitions (60 s at most, as spring's), then seeks the assigned
     * partitions to the beginning or the end, so the test's next poll reads from there.
     *
     * @throws IllegalStateException for a topic not declared or added here, or when no partition is assigned
     */
    @Override
    public void consumeFromEmbeddedTopics(Consumer<?, ?> consumer, boolean seekToEnd, String... topicsToConsume) {
        List<String> notEmbedded = Arrays.stream(topicsToConsume).filter(t -> !topics.contains(t)).toList();
        if (!notEmbedded.isEmpty()) {
            throw new IllegalStateException("topic(s):'" + notEmbedded + "' are not in embedded topic list");
        }
        SubscriptionStart.subscribeAndSeek(consumer, Arrays.asList(topicsToConsume), seekToEnd);
    }

    private Broker running() {
        Broker running = broker;
        Assert.notNull(running, BROKER_NEEDED);
        return running;
    }
}
