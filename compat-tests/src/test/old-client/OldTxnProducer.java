import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * An old transactional producer (kafka-clients 2.8.x: the original transaction protocol, AddPartitionsToTxn,
 * AddOffsetsToTxn and EndTxn without epoch bumps), run by OldJavaClientTest like OldClient.
 *
 * <p>Usage: {@code java -cp <old jars> OldTxnProducer.java BOOTSTRAP TOPIC GROUP}
 *
 * <p>Writes one record to each of partitions 0-2 of TOPIC in three transactions: "committed-p" (committed),
 * "aborted-p" (flushed, then aborted), "offsets-p" (committed together with offset 5 of TOPIC-0 for GROUP,
 * sendOffsetsToTransaction). Prints its client version, then {@code DONE}.
 */
public class OldTxnProducer {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "old-txn-producer");
        String topic = args[1];
        System.out.println("VERSION " + AppInfoParser.getVersion());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            transaction(producer, topic, "committed", true);
            transaction(producer, topic, "aborted", false);
            producer.beginTransaction();
            send(producer, topic, "offsets");
            producer.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(5)), args[2]);
            producer.commitTransaction();
        }
        System.out.println("DONE");
    }

    static void transaction(KafkaProducer<String, String> producer, String topic, String prefix, boolean commit) {
        producer.beginTransaction();
        send(producer, topic, prefix);
        producer.flush();
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    static void send(KafkaProducer<String, String> producer, String topic, String prefix) {
        for (int p = 0; p < 3; p++) {
            producer.send(new ProducerRecord<>(topic, p, "key-" + p, prefix + "-" + p));
        }
    }
}
