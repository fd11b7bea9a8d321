package io.kafkalite.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Polling helpers for the security tests. */
final class SecureBrokerRecords {
    private SecureBrokerRecords() { }

    /** The values polled until {@code last} is among them (or the timeout passes). */
    static List<String> values(KafkaConsumer<String, String> consumer, String last, Duration timeout) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!values.contains(last) && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }

    /** The first {@code count} values polled (fewer if the timeout passes). */
    static List<String> values(KafkaConsumer<String, String> consumer, int count, Duration timeout) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (values.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }
}
