package io.kafkalite.handlers;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.cluster.TopicImage;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;

/**
 * ElectLeaders, v0-v2, in cluster mode, as Kafka's controller answers it: partitions that need no election (PREFERRED:
 * the first replica leads; UNCLEAN: a leader exists) get ELECTION_NOT_NEEDED (and are left out of an all-partitions
 * answer), unknown ones UNKNOWN_TOPIC_OR_PARTITION; the others are proposed in one {@link MetadataRecord.ElectLeaders}
 * and answered from the image after it applied: NONE when elected, else PREFERRED_LEADER_NOT_AVAILABLE /
 * ELIGIBLE_LEADERS_NOT_AVAILABLE. ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
 */
public final class ClusterElectLeadersHandler implements Handler<ElectLeadersRequest> {
    private final MetadataQuorum quorum;
    private final Authorization authorization;

    public ClusterElectLeadersHandler(MetadataQuorum quorum, Authorization authorization) {
        this.quorum = quorum;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ELECT_LEADERS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ElectLeadersRequest body) {
        if (!authorization.allowedOnCluster(request, AclOperation.ALTER)) {
            throw new ClusterAuthorizationException(Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        boolean preferred;
        try {
            preferred = ElectionType.valueOf(body.data().electionType()) == ElectionType.PREFERRED;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Unknown election type " + body.data().electionType());
        }
        MetadataImage image = quorum.image();
        boolean all = body.data().topicPartitions() == null;
        Map<String, List<Integer>> asked = new LinkedHashMap<>();
        if (all) {
            new TreeMap<>(image.topics()).forEach((name, t) -> {
                List<Integer> ps = new ArrayList<>();
                for (int p = 0; p < t.partitions().size(); p++) {
                    ps.add(p);
                }
                asked.put(name, ps);
            });
        } else {
            for (TopicPartitions tp : body.data().topicPartitions()) {
                asked.computeIfAbsent(tp.topic(), n -> new ArrayList<>()).addAll(tp.partitions());
            }
        }
        Map<Uuid, List<Integer>> toElect = new LinkedHashMap<>();
        asked.forEach((name, ps) -> {
            TopicImage t = image.topic(name);
            for (int p : ps) {
                if (t != null && needsElection(t.partition(p), preferred)) {
                    toElect.computeIfAbsent(t.id(), id -> new ArrayList<>()).add(p);
                }
            }
        });
        CompletableFuture<ApiError> proposed = toElect.isEmpty() ? CompletableFuture.completedFuture(ApiError.NONE)
                : QuorumSubmit.submit(quorum, new MetadataRecord.ElectLeaders(preferred, toElect));
        return proposed.thenApply(error -> {
            if (error.isFailure()) { // no quorum: the whole request fails (retriable), as a broker that cannot reach the controller
                return new ElectLeadersResponse(new ElectLeadersResponseData().setErrorCode(error.error().code()));
            }
            MetadataImage elected = quorum.image(); // holds the election: the future completes once it applied here
            ElectLeadersResponseData data = new ElectLeadersResponseData().setErrorCode(Errors.NONE.code());
            asked.forEach((name, ps) -> {
                ReplicaElectionResult result = new ReplicaElectionResult().setTopic(name);
                for (int p : ps) {
                    ApiError outcome = outcome(image, elected, name, p, preferred);
                    if (!all || outcome.error() != Errors.ELECTION_NOT_NEEDED) {
                        result.partitionResult().add(new PartitionResult().setPartitionId(p).setErrorCode(outcome.error().code())
                                .setErrorMessage(outcome.message()));
                    }
                }
                data.replicaElectionResults().add(result);
            });
            return new ElectLeadersResponse(data);
        });
    }

    private static boolean needsElection(PartitionState p, boolean preferred) {
        return p != null && (preferred ? p.leader() != p.replicas().get(0) : !p.hasLeader());
    }

    private static ApiError outcome(MetadataImage before, MetadataImage after, String topic, int partition, boolean preferred) {
        TopicImage t = before.topic(topic);
        if (t == null) {
            return new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "No such topic as " + topic);
        }
        PartitionState p = t.partition(partition);
        if (p == null) {
            return new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "No such partition as " + topic + "-" + partition);
        }
        if (!needsElection(p, preferred)) {
            return new ApiError(Errors.ELECTION_NOT_NEEDED);
        }
        PartitionState now = after.partition(topic, partition);
        if (now != null && !needsElection(now, preferred)) {
            return ApiError.NONE;
        }
        return new ApiError(preferred ? Errors.PREFERRED_LEADER_NOT_AVAILABLE : Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE);
    }
}
