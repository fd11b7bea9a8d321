package io.kafkalite.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** The cluster tests' records: value "v{n}" at offset n of partition 0, sent and read back by stock clients. */
final class NumberedRecords {
    private NumberedRecords() { }

    /** Sends v{from}..v{from+count-1} to partition 0 of {@code topic} and checks each got the offset of its number. */
    static void send(KafkaProducer<String, String> producer, String topic, int from, int count) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            sent.add(producer.send(new ProducerRecord<>(topic, 0, "k", "v" + i)));
        }
        for (int i = 0; i < count; i++) {
            assertEquals(from + i, sent.get(i).get(30, TimeUnit.SECONDS).offset());
        }
    }

    /** Checks that {@code read} is exactly v{from}..v{from+count-1}, each at the offset of its number. */
    static void assertRead(List<ConsumerRecord<String, String>> read, int from, int count) {
        assertEquals(count, read.size());
        for (int i = 0; i < count; i++) {
            assertEquals(from + i, read.get(i).offset());
            assertEquals("v" + (from + i), read.get(i).value());
        }
    }
}
