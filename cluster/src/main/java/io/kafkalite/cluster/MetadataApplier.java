package io.kafkalite.cluster;

import io.kafkalite.cluster.MetadataQuorum.ApplyResult;
import io.kafkalite.cluster.MetadataRecord.AllocateProducerIds;
import io.kafkalite.cluster.MetadataRecord.AlterPartition;
import io.kafkalite.cluster.MetadataRecord.AlterTopicConfigs;
import io.kafkalite.cluster.MetadataRecord.ControlledShutdown;
import io.kafkalite.cluster.MetadataRecord.CoordinatorEpoch;
import io.kafkalite.cluster.MetadataRecord.CreatePartitions;
import io.kafkalite.cluster.MetadataRecord.CreateTopic;
import io.kafkalite.cluster.MetadataRecord.DeleteTopic;
import io.kafkalite.cluster.MetadataRecord.DurableMapWrite;
import io.kafkalite.cluster.MetadataRecord.ElectLeaders;
import io.kafkalite.cluster.MetadataRecord.FenceBroker;
import io.kafkalite.cluster.MetadataRecord.InitCluster;
import io.kafkalite.cluster.MetadataRecord.MinInsyncReplicasDefault;
import io.kafkalite.cluster.MetadataRecord.Reassign;
import io.kafkalite.cluster.MetadataRecord.RegisterBroker;
import io.kafkalite.cluster.MetadataRecord.UnfenceBroker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.IntPredicate;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * The deterministic heart of the cluster metadata: the next image after one record. Pure (no I/O, no clock, no
 * randomness), so every node that applies the same log gets the same images. A record that does not apply leaves the
 * image as it was (but for the applied index) and reports Kafka's error to its proposer.
 */
public final class MetadataApplier {
    private static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

    private MetadataApplier() { }

    /** The image after {@code record} at log index {@code index}, and the outcome to report to its proposer. */
    public record Applied(MetadataImage image, ApplyResult result) { }

    public static Applied apply(MetadataImage image, long index, MetadataRecord record) {
        if (record instanceof DurableMapWrite w) { // frequent (every offset commit): no copy of the image's maps
            return new Applied(image.withAppliedIndex(index), durableMapWrite(image, index, w));
        }
        Builder b = new Builder(image, index);
        ApplyResult result;
        if (record instanceof InitCluster r) {
            result = b.initCluster(r);
        } else if (record instanceof RegisterBroker r) {
            result = b.register(r);
        } else if (record instanceof FenceBroker r) {
            result = b.removeBroker(r.brokerId(), -1, false);
        } else if (record instanceof ControlledShutdown r) {
            result = b.removeBroker(r.brokerId(), r.incarnation(), true);
        } else if (record instanceof UnfenceBroker r) {
            result = b.unfence(r);
        } else if (record instanceof CreateTopic r) {
            result = b.createTopic(r);
        } else if (record instanceof DeleteTopic r) {
            result = b.deleteTopic(r);
        } else if (record instanceof CreatePartitions r) {
            result = b.createPartitions(r);
        } else if (record instanceof AlterTopicConfigs r) {
            result = b.alterConfigs(r);
        } else if (record instanceof AlterPartition r) {
            result = b.alterPartition(r);
        } else if (record instanceof ElectLeaders r) {
            result = b.electLeaders(r);
        } else if (record instanceof Reassign r) {
            result = b.reassign(r);
        } else if (record instanceof AllocateProducerIds r) {
            result = b.allocateProducerIds(r);
        } else if (record instanceof CoordinatorEpoch r) {
            result = b.coordinatorEpoch(r);
        } else if (record instanceof MinInsyncReplicasDefault r) {
            result = b.minInsyncReplicasDefault(r);
        } else {
            throw new IllegalArgumentException("Unknown record " + record);
        }
        return new Applied(b.build(), result);
    }

    /**
     * Each node's state machine applies an accepted write to its own table; a coordinator's write of an epoch older
     * than the current coordinators' is refused, so no table gets what the current coordinators did not load.
     */
    private static ApplyResult durableMapWrite(MetadataImage image, long index, DurableMapWrite w) {
        if (w.coordinatorEpoch() != -1 && w.coordinatorEpoch() < image.coordinatorEpoch()) {
            return new ApplyResult(Errors.NOT_COORDINATOR, "Write of coordinator epoch " + w.coordinatorEpoch()
                    + " to " + w.map() + ": the coordinators moved on to epoch " + image.coordinatorEpoch(), index, -1);
        }
        return ApplyResult.ok(index);
    }

    /** Collects the changes of one record on copies of the image's maps. */
    private static final class Builder {
        private final long index;
        private String clusterId;
        private final Map<Integer, BrokerRegistration> brokers;
        private final Map<String, TopicImage> topics;
        private final Map<Uuid, String> topicNames;
        private long nextProducerId;
        private long coordinatorEpoch;
        private int minInsyncReplicas;
        /** A broker that may lead and join ISRs: registered, unfenced, not shutting down. */
        private final IntPredicate eligible = this::isEligible;

        Builder(MetadataImage image, long index) {
            this.index = index;
            this.clusterId = image.clusterId();
            this.brokers = new HashMap<>(image.brokers());
            this.topics = new HashMap<>(image.topics());
            this.topicNames = new HashMap<>(image.topicNames());
            this.nextProducerId = image.nextProducerId();
            this.coordinatorEpoch = image.coordinatorEpoch();
            this.minInsyncReplicas = image.minInsyncReplicas();
        }

        private boolean isEligible(int id) {
            BrokerRegistration b = brokers.get(id);
            return b != null && !b.fenced() && !b.shuttingDown();
        }

        MetadataImage build() {
            return new MetadataImage(index, clusterId, brokers, topics, topicNames, nextProducerId, coordinatorEpoch,
                    minInsyncReplicas);
        }

        private ApplyResult ok() {
            return ApplyResult.ok(index);
        }

        private ApplyResult error(Errors error, String message) {
            return new ApplyResult(error, message, index, -1);
        }


        ApplyResult initCluster(InitCluster r) {
            if (clusterId == null) {
                clusterId = r.clusterId();
            }
            return ok();
        }

        /**
         * A (re)registration: a restarted broker comes back fenced and leaves its ISRs, as after a fencing. A new
         * incarnation whose previous run did not end in a controlled shutdown is Kafka's unclean shutdown (no clean
         * shutdown epoch to show): it may have lost records, so it leaves the ELRs too.
         */
        ApplyResult register(RegisterBroker r) {
            BrokerRegistration before = brokers.get(r.brokerId());
            brokers.put(r.brokerId(), new BrokerRegistration(r.brokerId(), r.incarnation(), r.endpoints(), r.rack(), true, false));
            if (before != null) {
                boolean unclean = before.incarnation() != r.incarnation() && !before.shuttingDown();
                forEachPartition((minIsr, p) -> PartitionChanges.withoutBroker(p, r.brokerId(), unclean, minIsr, eligible));
            }
            return ok();
        }

        /** FenceBroker (incarnation -1: whichever run) or ControlledShutdown of one run. */
        ApplyResult removeBroker(int id, long incarnation, boolean shuttingDown) {
            BrokerRegistration b = brokers.get(id);
            if (b == null) {
                return error(Errors.BROKER_ID_NOT_REGISTERED, "Broker " + id + " is not registered");
            }
            if (incarnation != -1 && b.incarnation() != incarnation) {
                return error(Errors.STALE_BROKER_EPOCH, "Broker " + id + " registered again since");
            }
            brokers.put(id, b.withFenced(true).withShuttingDown(shuttingDown));
            forEachPartition((minIsr, p) -> PartitionChanges.withoutBroker(p, id, false, minIsr, eligible));
            return ok();
        }

        ApplyResult unfence(UnfenceBroker r) {
            BrokerRegistration b = brokers.get(r.brokerId());
            if (b == null) {
                return error(Errors.BROKER_ID_NOT_REGISTERED, "Broker " + r.brokerId() + " is not registered");
            }
            if (b.incarnation() != r.incarnation()) {
                return error(Errors.STALE_BROKER_EPOCH, "Broker " + r.brokerId() + " registered again since");
            }
            brokers.put(r.brokerId(), b.withFenced(false).withShuttingDown(false));
            forEachPartition((minIsr, p) -> PartitionChanges.withBrokerBack(p, eligible));
            return ok();
        }

        ApplyResult createTopic(CreateTopic r) {
            if (topics.containsKey(r.name()) || topicNames.containsKey(r.id())) {
                return error(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + r.name() + "' already exists.");
            }
            if (r.assignments().isEmpty()) {
                return error(Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
            }
            List<PartitionState> partitions = new ArrayList<>();
            ApplyResult failed = newPartitions(r.assignments(), partitions);
            if (failed != null) {
                return failed;
            }
            topics.put(r.name(), new TopicImage(r.name(), r.id(), r.configs(), partitions));
            topicNames.put(r.id(), r.name());
            return ok();
        }

        ApplyResult createPartitions(CreatePartitions r) {
            TopicImage t = topicById(r.id());
            if (t == null) {
                return error(Errors.UNKNOWN_TOPIC_ID, "Unknown topic id " + r.id());
            }
            List<PartitionState> partitions = new ArrayList<>(t.partitions());
            ApplyResult failed = newPartitions(r.newAssignments(), partitions);
            if (failed != null) {
                return failed;
            }
            topics.put(t.name(), new TopicImage(t.name(), t.id(), t.configs(), partitions));
            return ok();
        }

        /** Adds a partition per assignment to {@code into}; an error (and nothing added) for an unusable assignment. */
        private ApplyResult newPartitions(List<List<Integer>> assignments, List<PartitionState> into) {
            List<PartitionState> added = new ArrayList<>();
            for (List<Integer> replicas : assignments) {
                if (replicas.isEmpty() || new HashSet<>(replicas).size() != replicas.size()) {
                    return error(Errors.INVALID_REPLICA_ASSIGNMENT, "Invalid replica assignment " + replicas);
                }
                for (int id : replicas) {
                    if (!brokers.containsKey(id)) {
                        return error(Errors.INVALID_REPLICA_ASSIGNMENT, "Broker " + id + " of assignment " + replicas
                                + " is not registered");
                    }
                }
                PartitionState p = PartitionChanges.initial(replicas, eligible);
                if (p == null) {
                    return error(Errors.INVALID_REPLICA_ASSIGNMENT, "All brokers specified in the partition assignment "
                            + replicas + " are currently fenced.");
                }
                added.add(p);
            }
            into.addAll(added);
            return null;
        }

        ApplyResult deleteTopic(DeleteTopic r) {
            TopicImage t = topicById(r.id());
            if (t == null) {
                return error(Errors.UNKNOWN_TOPIC_ID, "Unknown topic id " + r.id());
            }
            topics.remove(t.name());
            topicNames.remove(t.id());
            return ok();
        }

        ApplyResult alterConfigs(AlterTopicConfigs r) {
            TopicImage t = topicById(r.id());
            if (t == null) {
                return error(Errors.UNKNOWN_TOPIC_ID, "Unknown topic id " + r.id());
            }
            topics.put(t.name(), new TopicImage(t.name(), t.id(), r.configs(), t.partitions()));
            forEachPartition(topics.get(t.name()), (minIsr, p) -> PartitionChanges.withMinIsr(p, minIsr, eligible));
            return ok();
        }

        /** Kafka's AlterPartition checks, in its order; a new ISR member must be eligible. */
        ApplyResult alterPartition(AlterPartition r) {
            TopicImage t = topicById(r.topicId());
            PartitionState p = t == null ? null : t.partition(r.partition());
            if (p == null) {
                return error(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unknown partition " + r.topicId() + "-" + r.partition());
            }
            if (p.leader() != r.leaderId()) {
                return error(Errors.NOT_LEADER_OR_FOLLOWER, "Broker " + r.leaderId() + " does not lead the partition");
            }
            if (p.leaderEpoch() != r.leaderEpoch()) {
                return error(Errors.FENCED_LEADER_EPOCH, "Leader epoch " + r.leaderEpoch() + " is not " + p.leaderEpoch());
            }
            if (p.partitionEpoch() != r.partitionEpoch()) {
                return error(Errors.INVALID_UPDATE_VERSION, "Partition epoch " + r.partitionEpoch() + " is not " + p.partitionEpoch());
            }
            if (!r.newIsr().contains(r.leaderId()) || !p.replicas().containsAll(r.newIsr())
                    || new HashSet<>(r.newIsr()).size() != r.newIsr().size()) {
                return error(Errors.INVALID_REQUEST, "ISR " + r.newIsr() + " must hold the leader and only replicas " + p.replicas());
            }
            for (int id : r.newIsr()) {
                if (!p.isr().contains(id) && !eligible.test(id)) {
                    return error(Errors.INELIGIBLE_REPLICA, "Replica " + id + " is fenced or shutting down");
                }
            }
            PartitionState changed = PartitionChanges.withIsr(p, r.newIsr(), minIsr(t, p), eligible);
            putPartition(t, r.partition(), PartitionChanges.maybeCompleteReassignment(changed, eligible));
            return ok();
        }

        /** Per partition as Kafka's ElectLeaders; the proposer reads each partition's outcome from the new image. */
        ApplyResult electLeaders(ElectLeaders r) {
            for (Map.Entry<Uuid, List<Integer>> e : r.partitions().entrySet()) {
                TopicImage t = topicById(e.getKey());
                if (t == null) {
                    continue;
                }
                for (int partition : e.getValue()) {
                    PartitionState p = t.partition(partition);
                    if (p == null) {
                        continue;
                    }
                    putPartition(t, partition, r.preferred() ? PartitionChanges.electPreferred(p, eligible)
                            : PartitionChanges.electUnclean(p, eligible));
                    t = topics.get(t.name());
                }
            }
            return ok();
        }

        ApplyResult reassign(Reassign r) {
            TopicImage t = topicById(r.topicId());
            PartitionState p = t == null ? null : t.partition(r.partition());
            if (p == null) {
                return error(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unknown partition " + r.topicId() + "-" + r.partition());
            }
            if (r.target() == null) {
                return cancelReassignment(t, r.partition(), p);
            }
            List<Integer> target = r.target();
            if (target.isEmpty() || new HashSet<>(target).size() != target.size()) {
                return error(Errors.INVALID_REPLICA_ASSIGNMENT, "Invalid replica assignment " + target);
            }
            for (int id : target) {
                if (!brokers.containsKey(id)) {
                    return error(Errors.INVALID_REPLICA_ASSIGNMENT, "Broker " + id + " is not registered");
                }
            }
            // a new reassignment replaces one in progress: start from the replicas before it
            List<Integer> current = new ArrayList<>(p.replicas());
            current.removeAll(p.adding());
            List<Integer> adding = target.stream().filter(id -> !current.contains(id)).toList();
            List<Integer> removing = current.stream().filter(id -> !target.contains(id)).toList();
            List<Integer> replicas = new ArrayList<>(target);
            replicas.addAll(removing);
            List<Integer> isr = p.isr().stream().filter(replicas::contains).toList();
            PartitionState moving = PartitionChanges.change(p, replicas, p.leader(), isr, adding, removing);
            putPartition(t, r.partition(), PartitionChanges.maybeCompleteReassignment(moving, eligible));
            return ok();
        }

        private ApplyResult cancelReassignment(TopicImage t, int partition, PartitionState p) {
            if (p.adding().isEmpty() && p.removing().isEmpty()) {
                return error(Errors.NO_REASSIGNMENT_IN_PROGRESS, "No reassignment in progress for this partition");
            }
            List<Integer> replicas = p.replicas().stream().filter(id -> !p.adding().contains(id)).toList();
            List<Integer> isr = p.isr().stream().filter(replicas::contains).toList();
            int leader = replicas.contains(p.leader()) ? p.leader() : PartitionChanges.electFromIsr(replicas, isr, eligible);
            putPartition(t, partition, PartitionChanges.change(p, replicas, leader, isr, List.of(), List.of()));
            return ok();
        }

        ApplyResult allocateProducerIds(AllocateProducerIds r) {
            if (r.count() <= 0) {
                return error(Errors.INVALID_REQUEST, "Producer id block size must be positive");
            }
            long start = nextProducerId;
            nextProducerId += r.count();
            return new ApplyResult(Errors.NONE, null, index, start);
        }

        /**
         * Only a higher epoch takes over: a lower one is a deposed coordinator's late takeover, an equal one a second
         * broker's concurrent takeover (a leader whose earlier attempt applied knows its term is its own).
         */
        ApplyResult coordinatorEpoch(CoordinatorEpoch r) {
            if (r.epoch() <= coordinatorEpoch) {
                return error(Errors.NOT_COORDINATOR, "Coordinator epoch " + r.epoch() + " is not above the current " + coordinatorEpoch);
            }
            coordinatorEpoch = r.epoch();
            return ok();
        }

        /** A new cluster default: partitions of topics without their own min.insync.replicas get their ELR re-evaluated. */
        ApplyResult minInsyncReplicasDefault(MinInsyncReplicasDefault r) {
            if (r.minInsyncReplicas() < 1) {
                return error(Errors.INVALID_CONFIG, "min.insync.replicas must be at least 1: " + r.minInsyncReplicas());
            }
            minInsyncReplicas = r.minInsyncReplicas();
            forEachPartition((minIsr, p) -> PartitionChanges.withMinIsr(p, minIsr, eligible));
            return ok();
        }

        /** Kafka's effective min ISR of a partition: its topic's min.insync.replicas at most its replica count. */
        private int minIsr(TopicImage t, PartitionState p) {
            return minIsr(minInsync(t), p);
        }

        private static int minIsr(int topicMinInsync, PartitionState p) {
            return Math.max(1, Math.min(topicMinInsync, p.replicas().size()));
        }

        /** The topic's min.insync.replicas, else the cluster default (an unparsable one too: it was validated when set). */
        private int minInsync(TopicImage t) {
            String own = t.configs().get(MIN_INSYNC_REPLICAS);
            if (own != null) {
                try {
                    return Integer.parseInt(own.trim());
                } catch (NumberFormatException e) {
                    return minInsyncReplicas;
                }
            }
            return minInsyncReplicas;
        }

        private TopicImage topicById(Uuid id) {
            String name = topicNames.get(id);
            return name == null ? null : topics.get(name);
        }

        private void putPartition(TopicImage t, int partition, PartitionState p) {
            if (t.partition(partition) == p) {
                return;
            }
            List<PartitionState> partitions = new ArrayList<>(t.partitions());
            partitions.set(partition, p);
            topics.put(t.name(), new TopicImage(t.name(), t.id(), t.configs(), partitions));
        }

        /**
         * Replaces every partition by {@code change} of (its min ISR, it); topics with no changed partition are kept as
         * they are.
         */
        private void forEachPartition(BiFunction<Integer, PartitionState, PartitionState> change) {
            for (TopicImage t : List.copyOf(topics.values())) {
                forEachPartition(t, change);
            }
        }

        private void forEachPartition(TopicImage t, BiFunction<Integer, PartitionState, PartitionState> change) {
            List<PartitionState> partitions = null;
            int topicMinInsync = minInsync(t);
            for (int i = 0; i < t.partitions().size(); i++) {
                PartitionState before = t.partitions().get(i);
                PartitionState after = change.apply(minIsr(topicMinInsync, before), before);
                if (after != before) {
                    if (partitions == null) {
                        partitions = new ArrayList<>(t.partitions());
                    }
                    partitions.set(i, after);
                }
            }
            if (partitions != null) {
                topics.put(t.name(), new TopicImage(t.name(), t.id(), t.configs(), partitions));
            }
        }
    }
}
