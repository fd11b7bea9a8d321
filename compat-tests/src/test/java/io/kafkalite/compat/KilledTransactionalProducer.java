package io.kafkalite.compat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A transactional producer in its own JVM that sends and flushes records in a transaction and is then killed
 * (SIGKILL) with the transaction still open: what a crashed application leaves behind. It writes
 * {@code open-<partition>-<i>} (key and value) to each partition.
 */
final class KilledTransactionalProducer {
    private static final String FLUSHED = "flushed";

    private KilledTransactionalProducer() { }

    /** The child JVM. Arguments: bootstrap, transactional id, transaction.timeout.ms, topic, partitions, records per partition. */
    public static void main(String[] args) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0],
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, args[1], ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.parseInt(args[2]),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);
        producer.initTransactions();
        producer.beginTransaction();
        for (int partition = 0; partition < Integer.parseInt(args[4]); partition++) {
            for (int i = 0; i < Integer.parseInt(args[5]); i++) {
                String text = "open-" + partition + "-" + i;
                producer.send(new ProducerRecord<>(args[3], partition, text, text));
            }
        }
        producer.flush();
        System.out.println(FLUSHED);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * Runs the child until its records are flushed (acknowledged by the broker), then kills it. Fails, with the
     * child's log, if it does not get there within 60 s.
     */
    static void run(String bootstrap, String transactionalId, int transactionTimeoutMs, String topic, int partitions,
                    int recordsPerPartition, Path dir) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KilledTransactionalProducer.class.getName(), bootstrap,
                transactionalId, String.valueOf(transactionTimeoutMs), topic, String.valueOf(partitions), String.valueOf(recordsPerPartition));
        Path log = Files.createTempFile(dir, "killed-producer", ".err");
        Process child = new ProcessBuilder(command).redirectError(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            CompletableFuture<Boolean> flushed = CompletableFuture.supplyAsync(() -> new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).lines().anyMatch(FLUSHED::equals));
            boolean ok;
            try {
                ok = flushed.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                ok = false;
            }
            if (!ok) {
                throw new AssertionError("the transactional producer " + transactionalId + " did not flush its records:\n"
                        + Subprocess.tail(log, 40));
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
