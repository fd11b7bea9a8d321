import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * An old Java consumer (kafka-clients 2.8.x, run by OldJavaClientTest with only the old jars on its classpath,
 * through Java's single-file source launcher) in a consumer group.
 *
 * <p>Usage: {@code java -cp <old jars> OldClient.java BOOTSTRAP TOPIC GROUP MAX|all}
 *
 * <p>Prints its client version, the group's committed offsets before it starts ({@code START p offset},
 * OffsetFetch through {@code committed()}), subscribes, and reads: exactly MAX records, or with
 * {@code all} until its position reaches the end offsets of every partition. It commits synchronously
 * ({@code commitSync(offsets)}) after processing each poll's records, stopping mid-batch at MAX (so only
 * what it processed is committed), and in {@code onPartitionsRevoked}. While still in the group it checks
 * the group with the old Admin ({@code describeConsumerGroups}: Stable, one member owning every partition;
 * {@code listConsumerGroupOffsets}) and reads its commits back with {@code committed()}: both must equal
 * what it committed. Output: {@code READ p offset value} per record, {@code COMMITTED p offset}, then
 * {@code DONE n}; on any mismatch {@code FAIL ...} and exit code 1.
 */
public class OldClient {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: OldClient.java BOOTSTRAP TOPIC GROUP MAX|all");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        String group = args[2];
        int max = args[3].equals("all") ? Integer.MAX_VALUE : Integer.parseInt(args[3]);
        System.out.println("VERSION " + AppInfoParser.getVersion());
        try {
            run(bootstrap, topic, group, max);
        } catch (Exception | AssertionError e) {
            System.out.println("FAIL " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static void run(String bootstrap, String topic, String group, int max) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "old-client-" + AppInfoParser.getVersion());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "2048"); // small fetches: every partition gets read a bit
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>(); // processed, next offset to read
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>(); // what commitSync() accepted
        int read = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<TopicPartition> all = consumer.partitionsFor(topic, TIMEOUT).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).collect(Collectors.toSet());
            check(!all.isEmpty(), "no partitions of " + topic);
            Map<TopicPartition, OffsetAndMetadata> start = consumer.committed(all, TIMEOUT);
            for (TopicPartition tp : all.stream().sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList()) {
                OffsetAndMetadata o = start.get(tp);
                System.out.println("START " + tp.partition() + " " + (o == null ? -1 : o.offset()));
            }
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                    commit(consumer, done, committed);
                    System.out.println("REVOKED " + sorted(partitions));
                }

                @Override
                public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                    System.out.println("ASSIGNED " + sorted(partitions));
                }
            });
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            Map<TopicPartition, Long> ends = null;
            boolean described = false;
            while (read < max) {
                check(System.nanoTime() < deadline, "timed out after " + TIMEOUT + " with " + read + " records read");
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (read == max) {
                        break;
                    }
                    System.out.println("READ " + r.partition() + " " + r.offset() + " " + r.value());
                    read++;
                    done.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                commit(consumer, done, committed);
                if (!consumer.assignment().isEmpty() && !described) {
                    describe(admin, group, consumer.assignment(), all);
                    described = true;
                }
                if (max == Integer.MAX_VALUE && consumer.assignment().equals(all)) {
                    if (ends == null) {
                        ends = consumer.endOffsets(all, TIMEOUT);
                    }
                    boolean atEnd = true;
                    for (TopicPartition tp : all) {
                        atEnd &= consumer.position(tp, TIMEOUT) >= ends.get(tp);
                    }
                    if (atEnd) {
                        break;
                    }
                }
            }
            check(described, "never had an assignment");
            // read the commits back, through the consumer and the old Admin, while still in the group
            Map<TopicPartition, OffsetAndMetadata> back = consumer.committed(committed.keySet(), TIMEOUT);
            check(back.equals(committed), "committed() returned " + back + " after committing " + committed);
            Map<TopicPartition, OffsetAndMetadata> listed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetAndMetadata> expected = new HashMap<>(start);
            expected.values().removeIf(o -> o == null);
            expected.putAll(committed);
            check(listed.equals(expected), "listConsumerGroupOffsets returned " + listed + ", expected " + expected);
            new TreeMap<>(back.entrySet().stream().collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset())))
                    .forEach((partition, offset) -> System.out.println("COMMITTED " + partition + " " + offset));
        }
        System.out.println("DONE " + read);
    }

    static List<Integer> sorted(java.util.Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).sorted().toList();
    }

    static void commit(KafkaConsumer<String, String> consumer, Map<TopicPartition, OffsetAndMetadata> done,
                       Map<TopicPartition, OffsetAndMetadata> committed) {
        Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>(done);
        pending.entrySet().removeIf(e -> e.getValue().equals(committed.get(e.getKey())));
        if (!pending.isEmpty()) {
            consumer.commitSync(pending, TIMEOUT);
            committed.putAll(pending);
        }
    }

    static void describe(Admin admin, String group, Set<TopicPartition> assignment, Set<TopicPartition> all) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        check(d.state() == ConsumerGroupState.STABLE, "DescribeGroups: state " + d.state() + " in " + d);
        check(d.members().size() == 1, "DescribeGroups: members " + d.members());
        MemberDescription m = d.members().iterator().next();
        check(m.assignment().topicPartitions().equals(assignment) && assignment.equals(all),
                "DescribeGroups: member owns " + m.assignment().topicPartitions() + ", the consumer " + assignment + ", partitions " + all);
        System.out.println("DESCRIBED " + d.state() + " " + m.clientId() + " " + d.partitionAssignor() + " " + assignment.size() + " partitions");
    }
}
