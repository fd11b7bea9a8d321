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
        assertEquals(List.of(3), p0().isr(), "the last ISR member stays: unclean election is off");
        apply(new UnfenceBroker(1, 101)); // not in the ISR: stays leaderless
        assertEquals(PartitionState.NO_LEADER, p0().leader());
        apply(new UnfenceBroker(3, 103));
        assertEquals(3, p0().leader());
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
}
