package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stock idempotent producer loses Produce responses (a proxy closes the connection after the broker
 * appended) and retries those batches: the log must hold every record exactly once.
 */
class IdempotentRetryTest {
    @TempDir
    Path dir;

    @Test
    void retriedBatchesAreNotDuplicated() throws Exception {
        // given: clients reach the broker only through the proxy, which the broker advertises
        try (ResponseDroppingProxy proxy = new ResponseDroppingProxy(3)) {
            try (TestBroker broker = TestBroker.start(dir, Map.of("advertised.listeners", "PLAINTEXT://localhost:" + proxy.port()))) {
                proxy.start(broker.port());
                String bootstrap = "localhost:" + proxy.port();
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                    admin.createTopics(List.of(new NewTopic("retried", 1, (short) 1))).all().get();
                }
                // when
                AtomicInteger acked = new AtomicInteger();
                Map<String, Object> cfg = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 2,
                        ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50,
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class,
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class);
                try (KafkaProducer<String, String> p = new KafkaProducer<>(cfg)) {
                    for (int i = 0; i < 3000; i++) {
                        p.send(new ProducerRecord<>("retried", "k" + i, "v" + i), (md, e) -> {
                            if (e == null) {
                                acked.incrementAndGet();
                            }
                        });
                        if (i % 500 == 0) {
                            p.flush();
                        }
                    }
                    p.flush();
                }
                // then
                assertTrue(proxy.dropped() >= 1, "the proxy lost at least one produce response");
                assertEquals(3000, acked.get());
                List<ConsumerRecord<String, String>> records;
                try (KafkaConsumer<String, String> c = TestBroker.consumer(bootstrap)) {
                    records = Records.readAll(c, Records.partitions("retried", 1), 3000, Duration.ofSeconds(20));
                    assertEquals(3000L, c.endOffsets(Records.partitions("retried", 1)).values().iterator().next(), "no duplicate appended");
                }
                for (int i = 0; i < 3000; i++) {
                    assertEquals("v" + i, records.get(i).value(), "record " + i + " once and in order");
                }
            }
        }
    }
}
