package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.requests.ApiError;

/**
 * Cluster mode: Kafka's controller checks for a new topic or new partitions, the replica placement
 * ({@link ReplicaPlacer} over the unfenced brokers, or the request's manual assignment), and the record proposed to
 * the quorum. Shared by CreateTopics, CreatePartitions and Metadata auto-creation.
 */
public final class ClusterTopicCreator {
    private final MetadataQuorum quorum;
    private final BrokerConfig config;
    private final ReplicaPlacer placer;

    public ClusterTopicCreator(MetadataQuorum quorum, BrokerConfig config, ReplicaPlacer placer) {
        this.quorum = quorum;
        this.config = config;
        this.placer = placer;
    }

    /** What a valid creation proposes: the record, and the counts CreateTopics answers with. */
    record Plan(MetadataRecord.CreateTopic record, int partitions, short replicationFactor) { }

    /**
     * Checks a topic creation (name, existence, partitions, replication factor against the unfenced brokers, manual
     * assignment, configs) and places its replicas.
     *
     * @param manual replicas per partition (in partition order), empty when none were given
     * @throws org.apache.kafka.common.errors.ApiException with Kafka's error and message for an invalid creation
     */
    Plan plan(MetadataImage image, String name, int partitions, short replicationFactor, List<List<Integer>> manual,
              Map<String, String> configs) {
        TopicCreator.validateName(name);
        if (image.topic(name) != null) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        List<List<Integer>> assignments;
        if (!manual.isEmpty()) {
            checkManual(image, manual, -1);
            assignments = manual;
        } else {
            int count = partitions == -1 ? config.numPartitions() : partitions;
            if (count <= 0) {
                throw new InvalidPartitionsException("Number of partitions was set to an invalid non-positive value.");
            }
            short rf = replicationFactor == -1 ? config.defaultReplicationFactor() : replicationFactor;
            if (rf <= 0) {
                throw new InvalidReplicationFactorException("Replication factor must be larger than 0, or -1 to use the default value.");
            }
            assignments = placer.place(image.brokers().values(), count, rf);
        }
        TopicCreator.validateConfigs(configs);
        MetadataRecord.CreateTopic record = new MetadataRecord.CreateTopic(name, Uuid.randomUuid(), configs, assignments);
        return new Plan(record, assignments.size(), (short) assignments.get(0).size());
    }

    /** Plans and (unless {@code validateOnly}) proposes a topic with Kafka's defaults for -1 counts. */
    CompletableFuture<ApiError> create(MetadataImage image, String name, int partitions, short replicationFactor,
                                       Map<String, String> configs, boolean validateOnly) {
        Plan plan = plan(image, name, partitions, replicationFactor, List.of(), configs);
        return validateOnly ? CompletableFuture.completedFuture(ApiError.NONE) : QuorumSubmit.submit(quorum, plan.record());
    }

    /**
     * Kafka's checks of a manual assignment: no empty or duplicated replica list, registered brokers only, the same
     * replication factor throughout ({@code replicationFactor}, or the first partition's when -1).
     */
    static void checkManual(MetadataImage image, List<List<Integer>> assignments, int replicationFactor) {
        int rf = replicationFactor;
        for (List<Integer> replicas : assignments) {
            if (replicas.isEmpty()) {
                throw new InvalidReplicaAssignmentException("The manual partition assignment includes an empty replica list.");
            }
            List<Integer> sorted = new ArrayList<>(replicas);
            sorted.sort(null);
            for (int id : sorted) {
                if (image.broker(id) == null) {
                    throw new InvalidReplicaAssignmentException("The manual partition assignment includes broker " + id
                            + ", but no such broker is registered.");
                }
            }
            if (new HashSet<>(replicas).size() != replicas.size()) {
                throw new InvalidReplicaAssignmentException("The manual partition assignment includes the broker "
                        + duplicate(sorted) + " more than once.");
            }
            if (rf == -1) {
                rf = replicas.size();
            } else if (replicas.size() != rf) {
                throw new InvalidReplicaAssignmentException("The manual partition assignment includes a partition with "
                        + replicas.size() + " replica(s), but this is not consistent with previous partitions, which have "
                        + rf + " replica(s).");
            }
        }
    }

    private static int duplicate(List<Integer> sorted) {
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).equals(sorted.get(i - 1))) {
                return sorted.get(i);
            }
        }
        return -1;
    }
}
