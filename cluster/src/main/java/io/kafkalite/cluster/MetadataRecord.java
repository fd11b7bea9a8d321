package io.kafkalite.cluster;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * A change to the cluster metadata, proposed by any broker through {@link MetadataQuorum#submit} and applied
 * in log order on every node by a deterministic function of (image, record). The decisions that depend on
 * the current state (who leads after a fencing, whether an ISR change is stale) are taken when the record is
 * applied, not when it is proposed, so concurrent proposals from different brokers cannot conflict.
 * A record that does not apply (a stale epoch, a taken topic name) leaves the image unchanged and completes
 * the proposer's future with Kafka's error.
 */
public sealed interface MetadataRecord {
    /** The first record: fixes the cluster id (ignored once one is set). */
    record InitCluster(String clusterId) implements MetadataRecord { }

    /** A broker (re)starting: replaces its registration; it stays fenced until {@link UnfenceBroker}. */
    record RegisterBroker(int brokerId, long incarnation, Map<String, BrokerRegistration.HostPort> endpoints, String rack)
            implements MetadataRecord { }

    /**
     * The broker stopped heartbeating (or is restarting): it leaves every ISR it is in, even as the last member
     * (KIP-966: while the ISR is below min.insync.replicas the members that left it are eligible leader replicas) and
     * every partition it led gets a new leader from the remaining ISR (or, the ISR empty, from the ELR), the leader
     * epoch bumped.
     */
    record FenceBroker(int brokerId) implements MetadataRecord { }

    /** The broker heartbeats again and has caught up with the metadata: leaderless partitions it is in the ISR of get it as leader. */
    record UnfenceBroker(int brokerId, long incarnation) implements MetadataRecord { }

    /** Controlled shutdown: leaderships move to other ISR members first, then the broker is fenced. */
    record ControlledShutdown(int brokerId, long incarnation) implements MetadataRecord { }

    /** @param assignments replicas per partition, chosen by the proposer (rack-aware, over unfenced brokers) */
    record CreateTopic(String name, Uuid id, Map<String, String> configs, List<List<Integer>> assignments)
            implements MetadataRecord { }

    record DeleteTopic(Uuid id) implements MetadataRecord { }

    /** @param newAssignments replicas of each added partition */
    record CreatePartitions(Uuid id, List<List<Integer>> newAssignments) implements MetadataRecord { }

    /** Replaces the topic's config overrides. */
    record AlterTopicConfigs(Uuid id, Map<String, String> configs) implements MetadataRecord { }

    /**
     * Kafka's AlterPartition: the partition's leader asks to change the ISR. Applied only if {@code leaderId} still
     * leads at {@code leaderEpoch} and {@code partitionEpoch} is current (else FENCED_LEADER_EPOCH or
     * INVALID_UPDATE_VERSION); a new ISR member must be unfenced (else INELIGIBLE_REPLICA).
     */
    record AlterPartition(Uuid topicId, int partition, int leaderId, int leaderEpoch, int partitionEpoch, List<Integer> newIsr)
            implements MetadataRecord { }

    /** ElectLeaders: preferred (the first replica, if in the ISR and unfenced) or unclean (any live replica when none of the ISR is). */
    record ElectLeaders(boolean preferred, Map<Uuid, List<Integer>> partitions) implements MetadataRecord { }

    /**
     * AlterPartitionReassignments: {@code target} null cancels. New replicas are added first (they catch up and join
     * the ISR); once every target replica is in the ISR the partition moves to exactly {@code target}.
     */
    record Reassign(Uuid topicId, int partition, List<Integer> target) implements MetadataRecord { }

    /**
     * A write to a replicated durable map (group offsets and metadata, transactions, ACLs, SCRAM credentials,
     * quotas, dynamic broker configs): every node applies it to its own LMDB table of that name, so whichever
     * node becomes coordinator finds the state. {@code value} null deletes.
     *
     * @param coordinatorEpoch for the coordinators' tables, the {@link CoordinatorEpoch} the proposing coordinator was
     *                         loaded at: the write is refused (NOT_COORDINATOR, no table changed) once a newer coordinator
     *                         raised the epoch, so a write proposed just before a failover cannot land behind the new
     *                         coordinator's back; -1 for the other tables (ACLs, credentials, quotas, configs): never fenced
     */
    record DurableMapWrite(String map, List<Map.Entry<byte[], byte[]>> changes, long coordinatorEpoch) implements MetadataRecord {
        /** An unfenced write (not a coordinator's table). */
        public DurableMapWrite(String map, List<Map.Entry<byte[], byte[]>> changes) {
            this(map, changes, -1);
        }
    }

    /**
     * A new quorum leader takes over the coordinators: raises the image's coordinator epoch to {@code epoch} (its Raft
     * term) before it loads them from its tables. Refused (NOT_COORDINATOR) if a newer coordinator raised it beyond already.
     */
    record CoordinatorEpoch(long epoch) implements MetadataRecord { }

    /**
     * The cluster's default min.insync.replicas, for the ELR rules of topics without their own: the quorum leader
     * proposes its broker setting when the image holds another (as Kafka's active controller uses its own).
     */
    record MinInsyncReplicasDefault(int minInsyncReplicas) implements MetadataRecord { }

    /** Reserves the next block of producer ids for a broker's InitProducerId. */
    record AllocateProducerIds(int brokerId, int count) implements MetadataRecord { }
}
