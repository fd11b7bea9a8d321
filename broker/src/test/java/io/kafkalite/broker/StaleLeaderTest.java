package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.QuorumConfig;
import io.kafkalite.handlers.BrokerConfig;
import io.kafkalite.logstore.DurableMap;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broker restarted after a crash sees an image in which it still leads at the old epoch (as when the quorum replays
 * its own log, or before the cluster noticed the crash): it must take no partition role before its new registration is
 * unfenced, which moves the leadership to another replica first.
 */
@Timeout(60)
class StaleLeaderTest {
    private final LocalCluster cluster = LocalCluster.of(2, Map.of("replica.fetch.wait.max.ms", "100"));
    /** Broker 1's client port, the same after its restart (its old registration in the image points there). */
    private int port1;

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aRestartedLeaderAcceptsNoProduceBeforeItsNewRegistrationIsUnfenced() throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            port1 = free.getLocalPort();
        }
        cluster.put(1, cluster.builder(1, port1).start());
        cluster.start(2);
        cluster.awaitUnfenced(2);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.broker(2).bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("orders", Map.of(0, List.of(1, 2))))).all().get();
        }
        try (KafkaProducer<String, String> producer = producer(cluster.broker(2).bootstrapServers(), "all", 10)) {
            assertEquals(0, producer.send(new ProducerRecord<>("orders", 0, "k", "v0")).get(30, TimeUnit.SECONDS).offset());
        }
        cluster.stop(1); // a crash: its registration stays unfenced, still leading at epoch 0
        PartitionState stale = state();
        assertEquals(1, stale.leader());
        assertEquals(0, stale.leaderEpoch());

        HeldRegistration held = new HeldRegistration(cluster.starter());
        Broker restarted = cluster.put(1, cluster.builder(1, port1).quorum(held).start());
        // its image says it leads: every produce must still be refused until its new registration is unfenced
        try (KafkaProducer<String, String> producer = producer(restarted.bootstrapServers(), "1", 0)) {
            long until = System.currentTimeMillis() + 1500;
            while (System.currentTimeMillis() < until) {
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> producer.send(new ProducerRecord<>("orders", 0, "k", "stale")).get(10, TimeUnit.SECONDS),
                        "a produce to the restarted broker before its registration was accepted");
                assertInstanceOf(NotLeaderOrFollowerException.class, refused.getCause());
                Thread.sleep(100);
            }
        }

        held.release(); // the new registration moves the leadership to 2; unfenced, 1 follows it
        PartitionState moved = state();
        assertEquals(2, moved.leader());
        assertTrue(moved.leaderEpoch() > 0);
        LocalCluster.await(() -> state().isr().contains(1), "broker 1 back in the ISR");
        try (KafkaProducer<String, String> producer = producer(restarted.bootstrapServers(), "all", 10)) {
            assertEquals(1, producer.send(new ProducerRecord<>("orders", 0, "k", "v1")).get(30, TimeUnit.SECONDS).offset());
        }
        List<String> values = readAll(restarted.bootstrapServers(), 2).stream().map(ConsumerRecord::value).toList();
        assertEquals(List.of("v0", "v1"), values);
    }

    /** Starts the quorum node as usual but registers only when {@link #release} is called. */
    private static final class HeldRegistration implements ClusterMode.QuorumStarter {
        private final LocalQuorumStarter delegate;
        private final long incarnation = 42;
        private Runnable registration;

        HeldRegistration(LocalQuorumStarter delegate) {
            this.delegate = delegate;
        }

        @Override
        public MetadataQuorum start(QuorumConfig config, Function<String, DurableMap> localMaps) {
            return delegate.start(config, localMaps);
        }

        @Override
        public synchronized ClusterMode.Registration register(MetadataQuorum quorum, int nodeId,
                                                              Map<String, BrokerRegistration.HostPort> endpoints, String rack,
                                                              BrokerConfig config) {
            registration = () -> {
                try {
                    quorum.submit(new MetadataRecord.RegisterBroker(nodeId, incarnation, endpoints, rack)).get(5, TimeUnit.SECONDS);
                    quorum.submit(new MetadataRecord.UnfenceBroker(nodeId, incarnation)).get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            return new ClusterMode.Registration() {
                @Override
                public long incarnation() {
                    return incarnation;
                }

                @Override
                public void close() { }
            };
        }

        synchronized void release() {
            registration.run();
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap, String acks, int retries) {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "acks", acks, "retries", String.valueOf(retries),
                "enable.idempotence", "false", "key.serializer", StringSerializer.class.getName(),
                "value.serializer", StringSerializer.class.getName(), "max.block.ms", "20000"));
        return new KafkaProducer<>(props);
    }

    private static List<ConsumerRecord<String, String>> readAll(String bootstrap, int expected) {
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "key.deserializer", StringDeserializer.class.getName(), "value.deserializer", StringDeserializer.class.getName(),
                "auto.offset.reset", "earliest"))) {
            consumer.assign(List.of(new TopicPartition("orders", 0)));
            long deadline = System.currentTimeMillis() + 30_000;
            while (all.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    private PartitionState state() {
        return cluster.image().partition("orders", 0);
    }
}
