package io.kafkalite.bench;

import io.kafkalite.broker.Broker;
import io.kafkalite.broker.BrokerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code InJvmStart memory|disk}: what a test pays for an embedded broker, timed inside a fresh JVM (the JVM's own
 * boot excluded): {@code Broker.builder()...start()}, then a stock {@link KafkaProducer} created and its first
 * {@code send().get()} (acks=all, a topic auto-created) acknowledged. The first broker of the JVM is "cold" (every
 * class loaded and run for the first time, as in the first test class of a suite); a second one in the same JVM,
 * with a new producer, is "warm" (the later test classes). Prints {@code key value} lines in milliseconds.
 */
public final class InJvmStart {
    private InJvmStart() { }

    public static void main(String[] args) throws Exception {
        boolean memory = args.length > 0 && args[0].equals("memory");
        Path dir = memory ? null : Files.createTempDirectory("kafkalite-injvm");
        try {
            double[] cold = startAndProduce(memory, dir == null ? null : dir.resolve("cold"));
            double[] warm = startAndProduce(memory, dir == null ? null : dir.resolve("warm"));
            System.out.printf("cold_start_ms %.1f%ncold_first_produce_ms %.1f%nwarm_start_ms %.1f%nwarm_first_produce_ms %.1f%n",
                    cold[0], cold[1], warm[0], warm[1]);
        } finally {
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    /** Milliseconds until start() returned, and until the first produce was acknowledged (both from before start()). */
    private static double[] startAndProduce(boolean memory, Path dataDir) throws Exception {
        long t0 = System.nanoTime();
        BrokerBuilder builder = Broker.builder();
        if (memory) {
            builder.inMemory();
        } else {
            builder.dataDir(dataDir);
        }
        try (Broker broker = builder.start()) {
            long started = System.nanoTime();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            long acknowledged;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("first-produce", "hello".getBytes())).get(60, TimeUnit.SECONDS);
                acknowledged = System.nanoTime();
            }
            return new double[] {(started - t0) / 1e6, (acknowledged - t0) / 1e6};
        }
    }
}
