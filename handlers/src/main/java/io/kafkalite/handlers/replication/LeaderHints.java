package io.kafkalite.handlers.replication;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.PartitionState;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-951: partitions answered NOT_LEADER_OR_FOLLOWER (or FENCED_LEADER_EPOCH in Fetch) carry the leader and epoch
 * this broker knows, and the response lists those leaders' endpoints on the listener the request came in on, so the
 * client moves without a Metadata round trip. Produce v10+, Fetch v12+ (endpoints v16+), as Kafka fills them.
 */
public final class LeaderHints {
    private LeaderHints() { }

    public static void addTo(ProduceResponseData data, short version, ListenerName listener, ReplicaManager replicas) {
        if (version < 10) {
            return;
        }
        Set<Integer> leaders = new TreeSet<>();
        for (ProduceResponseData.TopicProduceResponse t : data.responses()) {
            for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) {
                if (p.errorCode() == Errors.NOT_LEADER_OR_FOLLOWER.code()) {
                    PartitionState ps = replicas.partitionState(t.name(), t.topicId(), p.index());
                    if (ps != null && ps.hasLeader()) {
                        p.currentLeader().setLeaderId(ps.leader()).setLeaderEpoch(ps.leaderEpoch());
                        leaders.add(ps.leader());
                    }
                }
            }
        }
        for (int id : leaders) {
            BrokerRegistration b = replicas.broker(id);
            BrokerRegistration.HostPort hp = b == null ? null : b.endpoints().get(listener.value());
            if (hp != null) {
                data.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(id).setHost(hp.host()).setPort(hp.port()).setRack(b.rack()));
            }
        }
    }

    public static void addTo(FetchResponseData data, short version, ListenerName listener, ReplicaManager replicas) {
        if (version < 12) {
            return;
        }
        Set<Integer> leaders = new TreeSet<>();
        for (FetchResponseData.FetchableTopicResponse t : data.responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                if (p.errorCode() == Errors.NOT_LEADER_OR_FOLLOWER.code() || p.errorCode() == Errors.FENCED_LEADER_EPOCH.code()) {
                    PartitionState ps = replicas.partitionState(t.topic(), t.topicId(), p.partitionIndex());
                    if (ps != null && ps.hasLeader()) {
                        p.currentLeader().setLeaderId(ps.leader()).setLeaderEpoch(ps.leaderEpoch());
                        leaders.add(ps.leader());
                    }
                }
            }
        }
        if (version < 16) {
            return;
        }
        for (int id : leaders) {
            BrokerRegistration b = replicas.broker(id);
            BrokerRegistration.HostPort hp = b == null ? null : b.endpoints().get(listener.value());
            if (hp != null) {
                data.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(id).setHost(hp.host()).setPort(hp.port()).setRack(b.rack()));
            }
        }
    }

    /** Whether a response names its topic (else, v13+, by id). */
    static boolean named(String topic) {
        return topic != null && !topic.isEmpty();
    }
}
