package io.kafkalite.broker;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;

/**
 * The topics, partitions and groups a request names, for the filters of {@link Fault}s. A topic named
 * by id (Produce v13, Fetch v13+, ...) is resolved to its name; an unknown id names nothing.
 */
final class RequestSubjects {
    /** APIs whose requests name partitions of topics. */
    static final Set<ApiKeys> PARTITION_APIS = EnumSet.of(ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS,
            ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.TXN_OFFSET_COMMIT, ApiKeys.ADD_PARTITIONS_TO_TXN,
            ApiKeys.DELETE_RECORDS, ApiKeys.OFFSET_DELETE, ApiKeys.DESCRIBE_PRODUCERS);
    /** APIs whose requests name topics: the above, and those that name whole topics. */
    static final Set<ApiKeys> TOPIC_APIS = union(PARTITION_APIS, EnumSet.of(ApiKeys.METADATA, ApiKeys.CREATE_TOPICS,
            ApiKeys.DELETE_TOPICS, ApiKeys.CREATE_PARTITIONS));
    /** APIs whose requests name consumer groups. */
    static final Set<ApiKeys> GROUP_APIS = EnumSet.of(ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP,
            ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.TXN_OFFSET_COMMIT,
            ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.OFFSET_DELETE, ApiKeys.CONSUMER_GROUP_HEARTBEAT, ApiKeys.CONSUMER_GROUP_DESCRIBE,
            ApiKeys.DESCRIBE_GROUPS, ApiKeys.DELETE_GROUPS);

    /** Sees each (topic, partition) a request names; partition -1 where the API names whole topics. */
    @FunctionalInterface
    interface PartitionTest {
        boolean test(String topic, int partition);
    }

    private RequestSubjects() { }

    /** Whether the request names a partition (or, for whole-topic APIs, a topic) that passes {@code test}. */
    static boolean anyPartition(AbstractRequest request, Function<Uuid, String> topicNames, PartitionTest test) {
        ApiMessage data = request.data();
        switch (request.apiKey()) {
            case PRODUCE -> {
                for (ProduceRequestData.TopicProduceData t : ((ProduceRequestData) data).topicData()) {
                    for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                        if (test.test(name(t.name(), t.topicId(), topicNames), p.index())) {
                            return true;
                        }
                    }
                }
            }
            case FETCH -> {
                for (FetchRequestData.FetchTopic t : ((FetchRequestData) data).topics()) {
                    for (FetchRequestData.FetchPartition p : t.partitions()) {
                        if (test.test(name(t.topic(), t.topicId(), topicNames), p.partition())) {
                            return true;
                        }
                    }
                }
            }
            case LIST_OFFSETS -> {
                for (ListOffsetsRequestData.ListOffsetsTopic t : ((ListOffsetsRequestData) data).topics()) {
                    if (t.partitions().stream().anyMatch(p -> test.test(t.name(), p.partitionIndex()))) {
                        return true;
                    }
                }
            }
            case OFFSET_COMMIT -> {
                for (OffsetCommitRequestData.OffsetCommitRequestTopic t : ((OffsetCommitRequestData) data).topics()) {
                    String name = name(t.name(), t.topicId(), topicNames);
                    if (t.partitions().stream().anyMatch(p -> test.test(name, p.partitionIndex()))) {
                        return true;
                    }
                }
            }
            case OFFSET_FETCH -> {
                OffsetFetchRequestData d = (OffsetFetchRequestData) data;
                if (d.topics() != null && d.topics().stream()
                        .anyMatch(t -> anyIndex(t.name(), t.partitionIndexes(), test))) {
                    return true;
                }
                for (OffsetFetchRequestData.OffsetFetchRequestGroup g : d.groups()) {
                    if (g.topics() != null && g.topics().stream()
                            .anyMatch(t -> anyIndex(name(t.name(), t.topicId(), topicNames), t.partitionIndexes(), test))) {
                        return true;
                    }
                }
            }
            case TXN_OFFSET_COMMIT -> {
                for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : ((TxnOffsetCommitRequestData) data).topics()) {
                    if (t.partitions().stream().anyMatch(p -> test.test(t.name(), p.partitionIndex()))) {
                        return true;
                    }
                }
            }
            case ADD_PARTITIONS_TO_TXN -> {
                AddPartitionsToTxnRequestData d = (AddPartitionsToTxnRequestData) data;
                if (d.v3AndBelowTopics().stream().anyMatch(t -> anyIndex(t.name(), t.partitions(), test))) {
                    return true;
                }
                for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction txn : d.transactions()) {
                    if (txn.topics().stream().anyMatch(t -> anyIndex(t.name(), t.partitions(), test))) {
                        return true;
                    }
                }
            }
            case DELETE_RECORDS -> {
                for (DeleteRecordsRequestData.DeleteRecordsTopic t : ((DeleteRecordsRequestData) data).topics()) {
                    if (t.partitions().stream().anyMatch(p -> test.test(t.name(), p.partitionIndex()))) {
                        return true;
                    }
                }
            }
            case OFFSET_DELETE -> {
                for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : ((OffsetDeleteRequestData) data).topics()) {
                    if (t.partitions().stream().anyMatch(p -> test.test(t.name(), p.partitionIndex()))) {
                        return true;
                    }
                }
            }
            case DESCRIBE_PRODUCERS -> {
                for (DescribeProducersRequestData.TopicRequest t : ((DescribeProducersRequestData) data).topics()) {
                    if (anyIndex(t.name(), t.partitionIndexes(), test)) {
                        return true;
                    }
                }
            }
            case METADATA -> {
                List<MetadataRequestData.MetadataRequestTopic> topics = ((MetadataRequestData) data).topics();
                return topics != null && topics.stream().anyMatch(t -> test.test(name(t.name(), t.topicId(), topicNames), -1));
            }
            case CREATE_TOPICS -> {
                return ((CreateTopicsRequestData) data).topics().stream().anyMatch(t -> test.test(t.name(), -1));
            }
            case DELETE_TOPICS -> {
                DeleteTopicsRequestData d = (DeleteTopicsRequestData) data;
                return d.topicNames().stream().anyMatch(t -> test.test(t, -1))
                        || d.topics().stream().anyMatch(t -> test.test(name(t.name(), t.topicId(), topicNames), -1));
            }
            case CREATE_PARTITIONS -> {
                return ((CreatePartitionsRequestData) data).topics().stream().anyMatch(t -> test.test(t.name(), -1));
            }
            default -> {
                return false;
            }
        }
        return false;
    }

    /** Whether the request names this consumer group. */
    static boolean namesGroup(AbstractRequest request, String group) {
        ApiMessage data = request.data();
        return switch (request.apiKey()) {
            case FIND_COORDINATOR -> {
                FindCoordinatorRequestData d = (FindCoordinatorRequestData) data;
                yield d.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id()
                        && (group.equals(d.key()) || d.coordinatorKeys().contains(group));
            }
            case JOIN_GROUP -> group.equals(((JoinGroupRequestData) data).groupId());
            case SYNC_GROUP -> group.equals(((SyncGroupRequestData) data).groupId());
            case HEARTBEAT -> group.equals(((HeartbeatRequestData) data).groupId());
            case LEAVE_GROUP -> group.equals(((LeaveGroupRequestData) data).groupId());
            case OFFSET_COMMIT -> group.equals(((OffsetCommitRequestData) data).groupId());
            case OFFSET_FETCH -> {
                OffsetFetchRequestData d = (OffsetFetchRequestData) data;
                yield group.equals(d.groupId()) || d.groups().stream().anyMatch(g -> group.equals(g.groupId()));
            }
            case TXN_OFFSET_COMMIT -> group.equals(((TxnOffsetCommitRequestData) data).groupId());
            case ADD_OFFSETS_TO_TXN -> group.equals(((AddOffsetsToTxnRequestData) data).groupId());
            case OFFSET_DELETE -> group.equals(((OffsetDeleteRequestData) data).groupId());
            case CONSUMER_GROUP_HEARTBEAT -> group.equals(((ConsumerGroupHeartbeatRequestData) data).groupId());
            case CONSUMER_GROUP_DESCRIBE -> ((ConsumerGroupDescribeRequestData) data).groupIds().contains(group);
            case DESCRIBE_GROUPS -> ((DescribeGroupsRequestData) data).groups().contains(group);
            case DELETE_GROUPS -> ((DeleteGroupsRequestData) data).groupsNames().contains(group);
            default -> false;
        };
    }

    /** The topic's name: as sent, or looked up by its id when it was sent by id only. */
    static String name(String name, Uuid id, Function<Uuid, String> topicNames) {
        return name != null && !name.isEmpty() || id == null || Uuid.ZERO_UUID.equals(id) ? name : topicNames.apply(id);
    }

    private static boolean anyIndex(String topic, List<Integer> partitions, PartitionTest test) {
        return partitions != null && partitions.stream().anyMatch(p -> test.test(topic, p));
    }

    private static Set<ApiKeys> union(Set<ApiKeys> a, Set<ApiKeys> b) {
        Set<ApiKeys> all = EnumSet.copyOf(a);
        all.addAll(b);
        return all;
    }
}
