package io.kafkalite.groups;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * The embedded consumer protocol of classic members (ConsumerProtocolSubscription in JoinGroup,
 * ConsumerProtocolAssignment in SyncGroup) translated to and from a consumer group's assignments, which
 * are keyed by topic id. Partitions of topics that no longer exist are dropped.
 */
final class ConsumerProtocolCodec {
    private ConsumerProtocolCodec() { }

    /** @throws org.apache.kafka.common.protocol.types.SchemaException (a RuntimeException) if malformed */
    static ConsumerPartitionAssignor.Subscription subscription(byte[] metadata) {
        return ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata));
    }

    static Map<Uuid, Set<Integer>> byTopicId(List<TopicPartition> partitions, TopicsView topics) {
        Map<Uuid, Set<Integer>> result = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Uuid id = topics.topicId(tp.topic());
            if (id != null) {
                result.computeIfAbsent(id, k -> new TreeSet<>()).add(tp.partition());
            }
        }
        return result;
    }

    /** A classic member's last assignment (empty bytes: none yet). */
    static Map<Uuid, Set<Integer>> assignment(byte[] assignment, TopicsView topics) {
        if (assignment == null || assignment.length == 0) {
            return new HashMap<>();
        }
        return byTopicId(ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(assignment)).partitions(), topics);
    }

    /** The assignment as a classic member reads it, in the version of its subscription (as Kafka answers). */
    static byte[] assignment(Map<Uuid, Set<Integer>> partitions, byte[] subscriptionMetadata, TopicsView topics) {
        List<TopicPartition> list = new ArrayList<>();
        partitions.forEach((id, ps) -> {
            String name = topics.topicName(id);
            if (name != null) {
                ps.forEach(p -> list.add(new TopicPartition(name, p)));
            }
        });
        short version = ConsumerProtocol.deserializeVersion(ByteBuffer.wrap(subscriptionMetadata));
        ByteBuffer b = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(list), version);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
