package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** retention.ms deletes whole old segments in the background; consumers see the log start move. */
class RetentionTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("log.retention.check.interval.ms", "200"));

    @Test
    void oldSegmentsAreDeleted() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("retained", 1, (short) 1)
                    .configs(Map.of("retention.ms", "60000", "segment.bytes", "1048576")))).all().get();
        }
        long old = System.currentTimeMillis() - 3_600_000;
        try (KafkaProducer<String, String> p = broker.producer(Map.of())) {
            for (int i = 0; i < 6000; i++) { // ~3 MB: the first segments hold only hour-old records
                p.send(new ProducerRecord<>("retained", 0, i < 4000 ? old : System.currentTimeMillis(), "k" + i, "v" + i + "x".repeat(500)));
            }
        }
        TopicPartition tp = new TopicPartition("retained", 0);
        try (KafkaConsumer<String, String> c = broker.consumer()) {
            // retention runs every 200 ms and may have passed while the records were still coming: wait until the
            // log start has moved and then stayed put for 2 s
            long start = 0;
            long stableSince = System.currentTimeMillis();
            long deadline = System.currentTimeMillis() + 30_000;
            while ((start == 0 || System.currentTimeMillis() - stableSince < 2_000) && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
                long now = c.beginningOffsets(List.of(tp)).get(tp);
                if (now != start) {
                    start = now;
                    stableSince = System.currentTimeMillis();
                }
            }
            assertTrue(start > 0 && start <= 4000, "the log start moved past old records only: " + start);
            assertEquals(6000L, c.endOffsets(List.of(tp)).get(tp));
            var rest = Records.readAll(c, List.of(tp), (int) (6000 - start), java.time.Duration.ofSeconds(20));
            assertEquals(6000 - start, rest.size());
            assertEquals("v" + start + "x".repeat(500), rest.get(0).value());
        }
    }
}
