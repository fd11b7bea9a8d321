package io.kafkalite.handlers.replication;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;

/** The follower's OffsetForLeaderEpoch and ListOffsets requests to the leader, and their answers per partition. */
final class LeaderRequests {
    /** What a truncating partition asks: the leader epoch it knows, and the latest epoch of its log. */
    record EpochQuestion(int currentLeaderEpoch, int latestEpoch) { }

    private LeaderRequests() { }

    static OffsetsForLeaderEpochRequest.Builder epochRequest(int replicaId, Map<TopicPartition, EpochQuestion> questions) {
        OffsetForLeaderTopicCollection topics = new OffsetForLeaderTopicCollection();
        questions.forEach((tp, q) -> {
            OffsetForLeaderTopic topic = topics.find(tp.topic());
            if (topic == null) {
                topic = new OffsetForLeaderTopic().setTopic(tp.topic());
                topics.add(topic);
            }
            topic.partitions().add(new OffsetForLeaderPartition().setPartition(tp.partition())
                    .setCurrentLeaderEpoch(q.currentLeaderEpoch()).setLeaderEpoch(q.latestEpoch()));
        });
        return OffsetsForLeaderEpochRequest.Builder.forFollower(topics, replicaId);
    }

    static Map<TopicPartition, EpochEndOffset> epochAnswers(OffsetsForLeaderEpochResponse response) {
        Map<TopicPartition, EpochEndOffset> answers = new HashMap<>();
        for (OffsetForLeaderTopicResult t : response.data().topics()) {
            for (EpochEndOffset p : t.partitions()) {
                answers.put(new TopicPartition(t.topic(), p.partition()), p);
            }
        }
        return answers;
    }

    /** ListOffsets as a replica: the leader answers its log end (-1, latest) or log start (-2, earliest). */
    static ListOffsetsRequest.Builder offsetsRequest(int replicaId, Map<TopicPartition, Integer> currentLeaderEpochs, long timestamp) {
        Map<String, ListOffsetsTopic> topics = new LinkedHashMap<>();
        currentLeaderEpochs.forEach((tp, epoch) -> topics.computeIfAbsent(tp.topic(), name -> new ListOffsetsTopic().setName(name))
                .partitions().add(new ListOffsetsPartition().setPartitionIndex(tp.partition()).setCurrentLeaderEpoch(epoch)
                        .setTimestamp(timestamp)));
        return ListOffsetsRequest.Builder.forReplica(ApiKeys.LIST_OFFSETS.latestVersion(), replicaId)
                .setTargetTimes(List.copyOf(topics.values()));
    }

    static Map<TopicPartition, ListOffsetsPartitionResponse> offsetAnswers(ListOffsetsResponse response) {
        Map<TopicPartition, ListOffsetsPartitionResponse> answers = new HashMap<>();
        for (ListOffsetsTopicResponse t : response.data().topics()) {
            for (ListOffsetsPartitionResponse p : t.partitions()) {
                answers.put(new TopicPartition(t.name(), p.partitionIndex()), p);
            }
        }
        return answers;
    }
}
