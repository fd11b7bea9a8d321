package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.wire.KafkaRequest;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ListPartitionReassignmentsResponse;

/**
 * ListPartitionReassignments, v0, in cluster mode: the partitions of the named topics (or of all) with a reassignment in
 * progress in the cluster metadata, with their replicas and the replicas being added and removed; unknown topics and
 * partitions are left out, as Kafka's controller does. DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
 */
public final class ClusterListPartitionReassignmentsHandler implements Handler.Immediate<ListPartitionReassignmentsRequest> {
    private final MetadataQuorum quorum;
    private final Authorization authorization;

    public ClusterListPartitionReassignmentsHandler(MetadataQuorum quorum, Authorization authorization) {
        this.quorum = quorum;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_PARTITION_REASSIGNMENTS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, ListPartitionReassignmentsRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.DESCRIBE)) {
            throw new ClusterAuthorizationException(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        MetadataImage image = quorum.image();
        ListPartitionReassignmentsResponseData data = new ListPartitionReassignmentsResponseData()
                .setErrorCode(Errors.NONE.code()).setErrorMessage(null);
        if (body.data().topics() == null) {
            new TreeMap<>(image.topics()).values().forEach(t -> add(data, t, null));
        } else {
            for (ListPartitionReassignmentsTopics asked : body.data().topics()) {
                TopicImage t = image.topic(asked.name());
                if (t != null) {
                    add(data, t, asked.partitionIndexes());
                }
            }
        }
        return new ListPartitionReassignmentsResponse(data);
    }

    private static void add(ListPartitionReassignmentsResponseData data, TopicImage t, List<Integer> only) {
        OngoingTopicReassignment topic = new OngoingTopicReassignment().setName(t.name());
        for (int p = 0; p < t.partitions().size(); p++) {
            PartitionState s = t.partitions().get(p);
            if ((only == null || only.contains(p)) && (!s.adding().isEmpty() || !s.removing().isEmpty())) {
                topic.partitions().add(new OngoingPartitionReassignment().setPartitionIndex(p).setReplicas(s.replicas())
                        .setAddingReplicas(s.adding()).setRemovingReplicas(s.removing()));
            }
        }
        if (!topic.partitions().isEmpty()) {
            data.topics().add(topic);
        }
    }
}
