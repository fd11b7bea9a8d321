package io.kafkalite.compat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams word count of the Streams tests (repartition topic, compacted changelog): its topology, its
 * configuration, the check of its output, and a main to run it in its own JVM.
 */
public final class WordCount {
    static final List<String> SENTENCES = List.of("the quick brown fox", "jumps over the lazy dog", "the dog sleeps", "fox and dog");

    private WordCount() { }

    static Topology topology(String input, String output) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(input)
                .flatMapValues(line -> Arrays.asList(line.split(" ")))
                .groupBy((key, word) -> word)
                .count()
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }

    /** {@code guarantee}: a {@code processing.guarantee}, at_least_once or exactly_once_v2. */
    static Properties config(String bootstrap, String applicationId, Path stateDir, String guarantee) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.String().getClass());
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.String().getClass());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return props;
    }

    /** Adds the words of {@code line} to {@code counts}. */
    static void count(String line, Map<String, Long> counts) {
        Arrays.stream(line.split(" ")).forEach(w -> counts.merge(w, 1L, Long::sum));
    }

    /** Reads {@code topic} to its current end (read_committed: its last stable offset) and gives the last count of each word. */
    static Map<String, Long> lastCounts(String bootstrap, String topic, int partitions, boolean readCommitted) {
        return lastCounts(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic, partitions, readCommitted);
    }

    /** @param client bootstrap and security settings */
    static Map<String, Long> lastCounts(Map<String, Object> client, String topic, int partitions, boolean readCommitted) {
        Properties c = new Properties();
        c.putAll(client);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        Map<String, Long> last = new HashMap<>();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new LongDeserializer())) {
            for (ConsumerRecord<String, Long> r : Records.readToEnd(consumer, Records.partitions(topic, partitions), Duration.ofSeconds(30))) {
                last.put(r.key(), r.value());
            }
        }
        return last;
    }

    /**
     * {@code java WordCount bootstrap applicationId input output stateDir guarantee}: runs until killed, as a static
     * member (instance id {@code applicationId}, so a restart takes over at once); exits 1 if Streams fails.
     */
    public static void main(String[] args) throws InterruptedException {
        Properties props = config(args[0], args[1], Path.of(args[4]), args[5]);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), args[1]);
        KafkaStreams streams = new KafkaStreams(topology(args[2], args[3]), props);
        streams.setStateListener((now, before) -> System.out.println("state " + before + " -> " + now));
        streams.start();
        while (streams.state() != KafkaStreams.State.ERROR && streams.state() != KafkaStreams.State.NOT_RUNNING) {
            Thread.sleep(100);
        }
        System.out.println("Streams stopped in state " + streams.state());
        System.exit(1);
    }
}
