package io.kafkalite.compat;

import io.kafkalite.compat.QueueHistory.Assigned;
import io.kafkalite.compat.QueueHistory.Commit;
import io.kafkalite.compat.QueueHistory.Outcome;
import io.kafkalite.compat.QueueHistory.Poll;
import io.kafkalite.compat.QueueHistory.Read;
import io.kafkalite.compat.QueueHistory.Revoked;
import io.kafkalite.compat.QueueHistory.Send;
import io.kafkalite.compat.QueueHistory.SendFailed;
import io.kafkalite.compat.QueueHistory.Txn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The clients of {@link JepsenQueueTest}'s queue workload, each recording what it did into a {@link QueueHistory}:
 * idempotent acks=all producers, a transactional producer that commits and sometimes aborts, committing consumers of
 * one group, and the final full reads. Every value sent is unique (one counter for all producers).
 */
final class QueueWorkload {
    static final String TOPIC = "queue";
    static final int PARTITIONS = 3;
    static final String GROUP = "queue-group";

    private final String bootstrap;
    private final QueueHistory history;
    private final AtomicBoolean stop;
    private final AtomicLong values = new AtomicLong();

    QueueWorkload(String bootstrap, QueueHistory history, AtomicBoolean stop) {
        this.bootstrap = bootstrap;
        this.history = history;
        this.stop = stop;
    }

    private KafkaProducer<String, String> producer(String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "20000");
        }
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Sends unique values round-robin to the partitions, at most 50 unacknowledged, about 200 a second. */
    void idempotentProducer(String name) {
        Semaphore inFlight = new Semaphore(50);
        KafkaProducer<String, String> producer = producer(null);
        try {
            while (!stop.get()) {
                if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                long value = values.incrementAndGet();
                int partition = (int) (value % PARTITIONS);
                try {
                    producer.send(new ProducerRecord<>(TOPIC, partition, null, Long.toString(value)), (md, e) -> {
                        inFlight.release();
                        history.add(e == null ? new Send(name, value, md.partition(), md.offset(), null)
                                : new SendFailed(name, value, partition, null, e.toString()));
                    });
                } catch (KafkaException e) {
                    inFlight.release();
                    history.add(new SendFailed(name, value, partition, null, e.toString()));
                    producer.close(Duration.ofSeconds(5)); // a producer in a fatal state: start a new one
                    producer = producer(null);
                }
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            producer.close(Duration.ofSeconds(30)); // what is not acknowledged by then fails (and is recorded)
        }
    }

    /** Transactions of 1 to 10 values; a quarter aborted. A failed transaction: a new producer (fences the old). */
    void transactionalProducer(String name, long seed) {
        Random random = new Random(seed);
        KafkaProducer<String, String> producer = null;
        long txn = 0;
        while (!stop.get()) {
            try {
                if (producer == null) {
                    producer = producer(name);
                    producer.initTransactions();
                }
            } catch (KafkaException e) {
                if (producer != null) {
                    producer.close(Duration.ofSeconds(5));
                    producer = null;
                }
                history.add(new QueueHistory.Note(name, "initTransactions failed: " + e));
                pause(500);
                continue;
            }
            long t = ++txn;
            boolean commitCalled = false;
            try {
                producer.beginTransaction();
                int n = 1 + random.nextInt(10);
                for (int i = 0; i < n; i++) {
                    long value = values.incrementAndGet();
                    int partition = (int) (value % PARTITIONS);
                    producer.send(new ProducerRecord<>(TOPIC, partition, null, Long.toString(value)), (md, e) ->
                            history.add(e == null ? new Send(name, value, md.partition(), md.offset(), t)
                                    : new SendFailed(name, value, partition, t, e.toString())));
                }
                producer.flush();
                if (random.nextInt(4) == 0) {
                    producer.abortTransaction();
                    history.add(new Txn(name, t, Outcome.ABORTED, "aborted"));
                } else {
                    commitCalled = true;
                    producer.commitTransaction();
                    history.add(new Txn(name, t, Outcome.COMMITTED, "committed"));
                }
            } catch (KafkaException e) {
                // never committed: it can only abort (the next producer's initTransactions or the timeout does it)
                history.add(new Txn(name, t, commitCalled ? Outcome.UNKNOWN : Outcome.ABORTED, e.toString()));
                producer.close(Duration.ofSeconds(5));
                producer = null;
            }
            pause(20);
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(30));
        }
    }

    /** Polls and commits (commitSync after every poll with records), recording assignments with their start positions. */
    void consumer(String name, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(tp -> history.add(new Revoked(name, tp.partition())));
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    for (TopicPartition tp : partitions) {
                        Long position;
                        try {
                            position = c.position(tp, Duration.ofSeconds(10));
                        } catch (KafkaException e) {
                            position = null; // unknown: the checker skips its first poll
                        }
                        history.add(new Assigned(name, tp.partition(), position));
                    }
                }
            });
            while (!stop.get()) {
                try {
                    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        history.add(new Poll(name, readCommitted, r.partition(), r.offset(), Long.parseLong(r.value())));
                        next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    }
                    if (!next.isEmpty()) {
                        commit(c, name, next);
                    }
                } catch (InterruptException e) {
                    return;
                } catch (KafkaException e) {
                    history.add(new QueueHistory.Note(name, "poll failed: " + e));
                    pause(200); // during a fault; the group and the positions recover on the next poll
                }
            }
        }
    }

    private void commit(KafkaConsumer<String, String> c, String name, Map<TopicPartition, OffsetAndMetadata> offsets) {
        boolean ok;
        try {
            c.commitSync(offsets, Duration.ofSeconds(10));
            ok = true;
        } catch (KafkaException e) {
            ok = false;
        }
        boolean stored = ok;
        offsets.forEach((tp, om) -> history.add(new Commit(name, tp.partition(), om.offset(), stored)));
    }

    /** A final read: how many records it read, and what kept it from reading everything (null: nothing). */
    record FinalRead(int records, String problem) { }

    /**
     * Reads every partition from 0 to its end and records each record as a {@link Read}. read_committed first waits
     * until no transaction is open (the last stable offsets reach the high watermarks); if one stays open it reads
     * to the last stable offsets and says so.
     */
    FinalRead finalRead(boolean readCommitted, Duration timeout) throws InterruptedException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < PARTITIONS; i++) {
            tps.add(new TopicPartition(TOPIC, i));
        }
        String name = readCommitted ? "final-read-committed" : "final-read-uncommitted";
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            String problem = readCommitted ? awaitNoOpenTransaction(c, tps, timeout) : null;
            if (problem != null) {
                history.add(new QueueHistory.Note(name, problem));
            }
            List<ConsumerRecord<String, String>> records = Records.readToEnd(c, tps, timeout);
            records.forEach(r -> history.add(new Read(name, readCommitted, r.partition(), r.offset(), Long.parseLong(r.value()))));
            return new FinalRead(records.size(), problem);
        }
    }

    private String awaitNoOpenTransaction(KafkaConsumer<String, String> readCommitted, List<TopicPartition> tps, Duration timeout)
            throws InterruptedException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaConsumer<String, String> uncommitted = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!readCommitted.endOffsets(tps).equals(uncommitted.endOffsets(tps))) {
                if (System.nanoTime() > deadline) {
                    return "a transaction still open " + timeout + " after the load: last stable offsets "
                            + readCommitted.endOffsets(tps) + ", high watermarks " + uncommitted.endOffsets(tps);
                }
                Thread.sleep(500);
            }
            return null;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
