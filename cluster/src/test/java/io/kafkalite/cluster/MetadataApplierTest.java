package io.kafkalite.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.MetadataRecord.AllocateProducerIds;
import io.kafkalite.cluster.MetadataRecord.AlterPartition;
import io.kafkalite.cluster.MetadataRecord.ControlledShutdown;
import io.kafkalite.cluster.MetadataRecord.CreateTopic;
import io.kafkalite.cluster.MetadataRecord.ElectLeaders;
import io.kafkalite.cluster.MetadataRecord.FenceBroker;
import io.kafkalite.cluster.MetadataRecord.Reassign;
import io.kafkalite.cluster.MetadataRecord.RegisterBroker;
import io.kafkalite.cluster.MetadataRecord.UnfenceBroker;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class MetadataApplierTest {
    private MetadataImage image = MetadataImage.EMPTY;
    private long index;
    private final Uuid topicId = Uuid.randomUuid();

    private MetadataQuorum.ApplyResult apply(MetadataRecord r) {
        MetadataApplier.Applied a = MetadataApplier.apply(image, ++index, r);
        image = a.image();
        return a.result();
    }

    private void threeBrokers() {
        for (int id = 1; id <= 3; id++) {
            apply(new RegisterBroker(id, 100 + id, Map.of("PLAINTEXT", new BrokerRegistration.HostPort("h", 9000 + id)), null));
            apply(new UnfenceBroker(id, 100 + id));
        }
        assertEquals(Errors.NONE, apply(new CreateTopic("t", topicId, Map.of(), List.of(List.of(1, 2, 3), List.of(2, 3, 1)))).error());
    }

    private PartitionState p0() {
        return image.partition("t", 0);
    }

    @Test
    void newTopicIsLedByItsFirstReplicaWithEveryoneInSync() {
        threeBrokers();
        assertEquals(new PartitionState(List.of(1, 2, 3), 1, 0, List.of(1, 2, 3), List.of(), 0, List.of(), List.of()), p0());
        assertEquals(Errors.TOPIC_ALREADY_EXISTS, apply(new CreateTopic("t", Uuid.randomUuid(), Map.of(), List.of(List.of(1)))).error());
        assertEquals(Errors.INVALID_REPLICA_ASSIGNMENT, apply(new CreateTopic("u", Uuid.randomUuid(), Map.of(), List.of(List.of(1, 9)))).error());
        assertEquals(index, image.appliedIndex());
    }

    @Test
    void fencingMovesLeadershipWithinTheIsrAndUnfencingRestoresLeaderlessPartitions() {
        threeBrokers();
        apply(new FenceBroker(1));
        assertEquals(2, p0().leader());
        assertEquals(1, p0().leaderEpoch());
        assertEquals(List.of(2, 3), p0().isr());
        apply(new FenceBroker(2));
        apply(new FenceBroker(3));
        assertEquals(PartitionState.NO_LEADER, p0().leader());
        assertEquals(List.of(), p0().isr(), "KIP-966: the ISR may empty");
        assertEquals(List.of(3), p0().elr(), "its last member is eligible (min.insync.replicas 1)");
        assertEquals(List.of(3), p0().lastKnownElr(), "the last leader");
        apply(new UnfenceBroker(1, 101)); // neither in the ISR nor in the ELR: stays leaderless
        assertEquals(PartitionState.NO_LEADER, p0().leader());
        apply(new UnfenceBroker(3, 103));
        assertEquals(3, p0().leader());
        assertEquals(List.of(3), p0().isr());
        assertEquals(List.of(), p0().elr());
        assertEquals(List.of(), p0().lastKnownElr());
        assertEquals(Errors.STALE_BROKER_EPOCH, apply(new UnfenceBroker(2, 999)).error());
    }

    @Test
    void alterPartitionChecksLeaderAndEpochsAndEligibility() {
        threeBrokers();
        assertEquals(Errors.NONE, apply(new AlterPartition(topicId, 0, 1, 0, 0, List.of(1, 2))).error());
        assertEquals(1, p0().partitionEpoch());
        assertEquals(0, p0().leaderEpoch());
        assertEquals(Errors.INVALID_UPDATE_VERSION, apply(new AlterPartition(topicId, 0, 1, 0, 0, List.of(1))).error());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, apply(new AlterPartition(topicId, 0, 2, 0, 1, List.of(1, 2))).error());
        assertEquals(Errors.FENCED_LEADER_EPOCH, apply(new AlterPartition(topicId, 0, 1, 5, 1, List.of(1, 2))).error());
        apply(new FenceBroker(3));
        assertEquals(Errors.INELIGIBLE_REPLICA, apply(new AlterPartition(topicId, 0, 1, 0, 1, List.of(1, 2, 3))).error());
        assertEquals(List.of(1, 2), p0().isr());
    }

    @Test
    void controlledShutdownAndPreferredElection() {
        threeBrokers();
        apply(new ControlledShutdown(1, 101));
        assertEquals(2, p0().leader());
        assertTrue(image.broker(1).shuttingDown());
        apply(new RegisterBroker(1, 201, Map.of(), null));
        apply(new UnfenceBroker(1, 201));
        assertEquals(2, p0().leader(), "1 is not back in the ISR yet");
        apply(new AlterPartition(topicId, 0, 2, p0().leaderEpoch(), p0().partitionEpoch(), List.of(2, 3, 1)));
        apply(new ElectLeaders(true, Map.of(topicId, List.of(0, 1))));
        assertEquals(1, p0().leader());
        assertEquals(2, image.partition("t", 1).leader());
    }

    @Test
    void reassignmentAddsThenRemoves() {
        threeBrokers();
        apply(new RegisterBroker(4, 104, Map.of(), null));
        apply(new UnfenceBroker(4, 104));
        apply(new Reassign(topicId, 0, List.of(4, 2, 3)));
        assertEquals(List.of(4, 2, 3, 1), p0().replicas());
        assertEquals(List.of(4), p0().adding());
        assertEquals(List.of(1), p0().removing());
        apply(new AlterPartition(topicId, 0, 1, 0, p0().partitionEpoch(), List.of(1, 2, 3, 4)));
        assertEquals(List.of(4, 2, 3), p0().replicas());
        assertEquals(List.of(2, 3, 4), p0().isr());
        assertFalse(p0().leader() == 1);
        assertEquals(Errors.NO_REASSIGNMENT_IN_PROGRESS, apply(new Reassign(topicId, 0, null)).error());
    }

    @Test
    void producerIdBlocksNeverOverlap() {
        assertEquals(0, apply(new AllocateProducerIds(1, 1000)).producerIdStart());
        assertEquals(1000, apply(new AllocateProducerIds(2, 1000)).producerIdStart());
    }

    private static MetadataRecord.DurableMapWrite write(String map, long coordinatorEpoch) {
        return new MetadataRecord.DurableMapWrite(map, List.of(Map.entry(new byte[] {1}, new byte[] {2})), coordinatorEpoch);
    }

    @Test
    void coordinatorWritesOfAnOlderEpochAreRefused() {
        threeBrokers();
        assertEquals(Errors.NONE, apply(new MetadataRecord.CoordinatorEpoch(2)).error());
        assertEquals(Errors.NONE, apply(write("group_offsets", 2)).error(), "the current coordinator writes");
        assertEquals(Errors.NONE, apply(new MetadataRecord.CoordinatorEpoch(3)).error(), "a new leader takes over");
        assertEquals(3, image.coordinatorEpoch());
        MetadataImage before = image;
        assertEquals(Errors.NOT_COORDINATOR, apply(write("group_offsets", 2)).error(), "the deposed coordinator's late write");
        assertTrue(before.topics() == image.topics() && before.brokers() == image.brokers(), "writes do not copy the image");
        assertEquals(before.withAppliedIndex(index), image);
        assertEquals(Errors.NOT_COORDINATOR, apply(new MetadataRecord.CoordinatorEpoch(2)).error(), "a deposed leader's late takeover");
        assertEquals(Errors.NOT_COORDINATOR, apply(new MetadataRecord.CoordinatorEpoch(3)).error(), "a second takeover at the same epoch");
        assertEquals(3, image.coordinatorEpoch());
        assertEquals(Errors.NONE, apply(write("transactions", 3)).error());
        assertEquals(Errors.NONE, apply(write("acls", -1)).error(), "other tables are not fenced");
        assertEquals(index, image.appliedIndex());
    }

    // KIP-966 eligible leader replicas

    private final Uuid elrTopicId = Uuid.randomUuid();

    /** Topic "e": one partition on 1, 2, 3 led by 1, min.insync.replicas 2; its ISR shrunk to [1] by the leader. */
    private void shrunkToLeader() {
        threeBrokers();
        assertEquals(Errors.NONE, apply(new CreateTopic("e", elrTopicId, Map.of("min.insync.replicas", "2"),
                List.of(List.of(1, 2, 3)))).error());
        assertEquals(Errors.NONE, apply(new AlterPartition(elrTopicId, 0, 1, 0, 0, List.of(1))).error());
    }

    private PartitionState e0() {
        return image.partition("e", 0);
    }

    @Test
    void isrShrinkingBelowMinIsrMovesItsFormerMembersToTheElrAndGrowingBackClearsIt() {
        threeBrokers();
        assertEquals(Errors.NONE, apply(new CreateTopic("e", elrTopicId, Map.of("min.insync.replicas", "2"),
                List.of(List.of(1, 2, 3)))).error());
        apply(new AlterPartition(elrTopicId, 0, 1, 0, 0, List.of(1, 2)));
        assertEquals(List.of(), e0().elr(), "still at min.insync.replicas");
        apply(new AlterPartition(elrTopicId, 0, 1, 0, 1, List.of(1)));
        assertEquals(List.of(1), e0().isr(), "the ISR keeps shrinking");
        assertEquals(List.of(2), e0().elr(), "3 left while the ISR was at min.insync.replicas: it may lack records since");
        assertEquals(1, e0().leader());
        assertEquals(0, e0().leaderEpoch(), "no leader change, no leader epoch bump");
        assertEquals(2, e0().partitionEpoch());
        apply(new AlterPartition(elrTopicId, 0, 1, 0, 2, List.of(1, 3)));
        assertEquals(List.of(1, 3), e0().isr());
        assertEquals(List.of(), e0().elr(), "the ISR reached min.insync.replicas again");
        assertEquals(List.of(), p0().elr(), "topic t: min.insync.replicas 1, no ELR");
    }

    @Test
    void theEffectiveMinIsrIsAtMostTheReplicationFactor() {
        threeBrokers();
        apply(new CreateTopic("e", elrTopicId, Map.of("min.insync.replicas", "3"), List.of(List.of(1, 2))));
        apply(new AlterPartition(elrTopicId, 0, 1, 0, 0, List.of(1)));
        assertEquals(List.of(2), e0().elr());
        apply(new AlterPartition(elrTopicId, 0, 1, 0, 1, List.of(1, 2)));
        assertEquals(List.of(), e0().elr(), "min(3, 2 replicas) reached");
    }

    @Test
    void withTheIsrEmptyAnElrMemberIsElectedAndBecomesTheIsr() {
        shrunkToLeader();
        apply(new FenceBroker(2));
        apply(new FenceBroker(3));
        assertEquals(List.of(2, 3), e0().elr(), "fenced ELR members stay eligible");
        apply(new FenceBroker(1));
        assertEquals(PartitionState.NO_LEADER, e0().leader());
        assertEquals(List.of(), e0().isr());
        assertEquals(List.of(1, 2, 3), e0().elr());
        assertEquals(List.of(1), e0().lastKnownElr());
        int epoch = e0().leaderEpoch();
        apply(new UnfenceBroker(3, 103));
        assertEquals(3, e0().leader(), "clean election from the ELR");
        assertEquals(epoch + 1, e0().leaderEpoch());
        assertEquals(List.of(3), e0().isr());
        assertEquals(List.of(1, 2), e0().elr(), "still below min.insync.replicas: the others stay eligible");
        assertEquals(List.of(), e0().lastKnownElr(), "cleared once the partition has a leader");
    }

    @Test
    void anUncleanRestartLeavesTheElrAControlledShutdownDoesNot() {
        shrunkToLeader();
        apply(new ControlledShutdown(2, 102));
        apply(new FenceBroker(3));
        apply(new FenceBroker(1));
        assertEquals(List.of(1, 2, 3), e0().elr());
        int partitionEpoch = e0().partitionEpoch();
        int leaderEpoch = e0().leaderEpoch();
        apply(new RegisterBroker(3, 203, Map.of(), null)); // fenced, never shut down: it may have lost records
        assertEquals(List.of(1, 2), e0().elr());
        assertEquals(partitionEpoch + 1, e0().partitionEpoch());
        assertEquals(leaderEpoch, e0().leaderEpoch(), "an ELR change alone keeps the leader epoch");
        apply(new UnfenceBroker(3, 203));
        assertEquals(PartitionState.NO_LEADER, e0().leader(), "3 is no longer eligible");
        apply(new RegisterBroker(2, 202, Map.of(), null)); // after its controlled shutdown: clean
        assertEquals(List.of(1, 2), e0().elr());
        apply(new UnfenceBroker(2, 202));
        assertEquals(2, e0().leader());
        assertEquals(List.of(2), e0().isr());
        assertEquals(List.of(1), e0().elr());
    }

    @Test
    void withIsrAndElrEmptyTheLastKnownLeaderLeadsOnceBack() {
        shrunkToLeader();
        apply(new FenceBroker(2));
        apply(new FenceBroker(3));
        apply(new FenceBroker(1));
        for (int id = 1; id <= 3; id++) {
            apply(new RegisterBroker(id, 200 + id, Map.of(), null)); // every one restarted uncleanly
        }
        assertEquals(List.of(), e0().isr());
        assertEquals(List.of(), e0().elr());
        assertEquals(List.of(1), e0().lastKnownElr());
        apply(new UnfenceBroker(2, 202));
        assertEquals(PartitionState.NO_LEADER, e0().leader(), "only the last known leader may lead");
        apply(new UnfenceBroker(1, 201));
        assertEquals(1, e0().leader());
        assertEquals(List.of(1), e0().isr());
        assertEquals(List.of(), e0().lastKnownElr());
    }

    @Test
    void aLowerMinInsyncReplicasClearsTheElr() {
        shrunkToLeader();
        assertEquals(List.of(2, 3), e0().elr());
        apply(new MetadataRecord.AlterTopicConfigs(elrTopicId, Map.of("min.insync.replicas", "3")));
        assertEquals(List.of(2, 3), e0().elr());
        apply(new MetadataRecord.AlterTopicConfigs(elrTopicId, Map.of()));
        assertEquals(List.of(), e0().elr(), "the cluster default (1) is reached");
        int partitionEpoch = e0().partitionEpoch();
        assertEquals(Errors.NONE, apply(new MetadataRecord.MinInsyncReplicasDefault(2)).error());
        assertEquals(2, image.minInsyncReplicas());
        assertEquals(List.of(), e0().elr(), "a higher default does not refill it");
        assertEquals(partitionEpoch, e0().partitionEpoch());
        apply(new AlterPartition(topicId, 0, 1, 0, 0, List.of(1)));
        assertEquals(List.of(2, 3), p0().elr(), "topic t now follows the default of 2");
        assertEquals(Errors.INVALID_CONFIG, apply(new MetadataRecord.MinInsyncReplicasDefault(0)).error());
    }

    @Test
    void theLeadersLossElectsAnElrMemberAndUncleanElectionClearsTheElr() {
        shrunkToLeader();
        apply(new FenceBroker(1));
        assertEquals(2, e0().leader(), "the ISR emptied: the first live ELR member leads");
        assertEquals(List.of(2), e0().isr());
        assertEquals(List.of(1, 3), e0().elr());
        apply(new UnfenceBroker(1, 101));
        apply(new ElectLeaders(true, Map.of(elrTopicId, List.of(0))));
        assertEquals(2, e0().leader(), "the preferred replica is only eligible while the ISR is empty");
        apply(new FenceBroker(1));
        apply(new FenceBroker(3));
        apply(new FenceBroker(2));
        assertEquals(PartitionState.NO_LEADER, e0().leader());
        assertEquals(List.of(1, 2, 3), e0().elr());
        assertEquals(List.of(2), e0().lastKnownElr());
        apply(new RegisterBroker(3, 203, Map.of(), null));
        apply(new UnfenceBroker(3, 203));
        assertEquals(PartitionState.NO_LEADER, e0().leader(), "3 restarted uncleanly: not eligible");
        apply(new ElectLeaders(false, Map.of(elrTopicId, List.of(0))));
        assertEquals(3, e0().leader(), "unclean election");
        assertEquals(List.of(3), e0().isr());
        assertEquals(List.of(), e0().elr(), "it may lack records the ELR has: nobody else is eligible");
        assertEquals(List.of(), e0().lastKnownElr());
    }
}
