package io.kafkalite.handlers;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.PartitionState;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * Cluster mode: what Metadata and DescribeTopicPartitions say of a partition, from the cluster metadata: its leader
 * (-1 with LEADER_NOT_AVAILABLE when it has none), leader epoch, replicas, ISR, eligible leader replicas and the
 * offline replicas (those whose broker is fenced or not registered), as Kafka's brokers answer from their image.
 */
record PartitionAnswers(Errors error, int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                        List<Integer> elr, List<Integer> offline) {
    static PartitionAnswers of(MetadataImage image, PartitionState p) {
        List<Integer> offline = p.replicas().stream().filter(id -> {
            BrokerRegistration b = image.broker(id);
            return b == null || b.fenced();
        }).toList();
        return new PartitionAnswers(p.hasLeader() ? Errors.NONE : Errors.LEADER_NOT_AVAILABLE, p.leader(), p.leaderEpoch(),
                p.replicas(), p.isr(), p.elr(), offline);
    }
}
