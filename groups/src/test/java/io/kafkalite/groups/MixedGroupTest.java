package io.kafkalite.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * Mixed groups on a mock clock: a classic group with members upgrades when a consumer-protocol member
 * joins, its classic members are then served by the server-side assignor through JoinGroup/SyncGroup/
 * Heartbeat, no partition ever has two owners, and the group downgrades when the consumer-protocol member
 * leaves; group.consumer.migration.policy gates both conversions.
 */
class MixedGroupTest {
    private static final Uuid TOPIC = Uuid.randomUuid();
    private static final TopicsView TOPICS = new TopicsView() {
        public int partitions(String topic) {
            return topic.equals("t") ? 6 : -1;
        }

        public Uuid topicId(String topic) {
            return topic.equals("t") ? TOPIC : null;
        }

        public String topicName(Uuid id) {
            return id.equals(TOPIC) ? "t" : null;
        }

        public Collection<String> topicNames() {
            return List.of("t");
        }
    };

    private final LmdbLikeDurableMap offsetsTable = new LmdbLikeDurableMap();
    private final LmdbLikeDurableMap metadataTable = new LmdbLikeDurableMap();
    private MockScheduler scheduler = new MockScheduler();
    private GroupCoordinator coordinator;

    private void start(MigrationPolicy policy) {
        coordinator = new GroupCoordinator(scheduler, new GroupConfig(6000, 300_000, 0, 100, 4096, 7 * 24 * 3600_000L, 600_000,
                45_000, 5000, policy), offsetsTable, metadataTable, TOPICS);
    }

    private static <T> T now(CompletableFuture<T> f) {
        assertTrue(f.isDone(), "answered");
        return f.join();
    }

    /** An eager ("range") classic consumer: it gives up all its partitions before it rejoins. */
    private final class ClassicClient {
        String memberId = "";
        String instanceId;
        int generation = -1;
        Set<Integer> owned = new HashSet<>();

        CompletableFuture<JoinGroupResponseData> joinAsync() {
            owned = new HashSet<>();
            JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
            ByteBuffer sub = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of("t"), null, List.of()));
            byte[] metadata = new byte[sub.remaining()];
            sub.get(metadata);
            protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
            return coordinator.joinGroup(new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setGroupInstanceId(instanceId)
                    .setSessionTimeoutMs(10_000)
                    .setRebalanceTimeoutMs(20_000).setProtocolType("consumer").setProtocols(protocols), "classic", "/127.0.0.1", (short) 9);
        }

        /** Joins (twice: the first only gets a member id) and returns the response of the join that counts. */
        JoinGroupResponseData join() {
            JoinGroupResponseData r = now(joinAsync());
            if (r.errorCode() == Errors.MEMBER_ID_REQUIRED.code()) {
                memberId = r.memberId();
                r = now(joinAsync());
            }
            assertEquals(Errors.NONE.code(), r.errorCode());
            memberId = r.memberId();
            generation = r.generationId();
            return r;
        }

        SyncGroupResponseData sync(List<SyncGroupRequestAssignment> assignments) {
            SyncGroupResponseData r = now(coordinator.syncGroup(new SyncGroupRequestData().setGroupId("g").setMemberId(memberId)
                    .setGroupInstanceId(instanceId).setGenerationId(generation).setProtocolType("consumer").setProtocolName("range").setAssignments(assignments)));
            if (r.errorCode() == Errors.NONE.code()) {
                owned = new HashSet<>();
                for (TopicPartition tp : ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(r.assignment())).partitions()) {
                    owned.add(tp.partition());
                }
            }
            return r;
        }

        Errors heartbeat() {
            return now(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(memberId).setGroupInstanceId(instanceId)
                    .setGenerationId(generation)));
        }

        /** What a classic consumer does on a heartbeat: rejoin and sync when told to. */
        void poll() {
            Errors e = heartbeat();
            if (e == Errors.REBALANCE_IN_PROGRESS || e == Errors.ILLEGAL_GENERATION) {
                join();
                assertEquals(Errors.NONE.code(), sync(List.of()).errorCode());
            } else {
                assertEquals(Errors.NONE, e);
            }
        }
    }

    private final class ConsumerClient {
        final String memberId = Uuid.randomUuid().toString();
        String instanceId;
        int epoch;
        Set<Integer> owned = new HashSet<>();

        ConsumerGroupHeartbeatResponseData heartbeat() {
            ConsumerGroupHeartbeatRequestData req = new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                    .setInstanceId(instanceId).setMemberEpoch(epoch).setRebalanceTimeoutMs(60_000)
                    .setTopicPartitions(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(TOPIC)
                            .setPartitions(new ArrayList<>(owned))));
            if (epoch == 0) {
                req.setSubscribedTopicNames(List.of("t"));
            }
            ConsumerGroupHeartbeatResponseData r = now(coordinator.consumerGroupHeartbeat(req, "consumer", "/127.0.0.1", (short) 1));
            if (r.errorCode() == Errors.NONE.code()) {
                epoch = r.memberEpoch();
                owned = new HashSet<>();
                r.assignment().topicPartitions().forEach(tp -> owned.addAll(tp.partitions()));
            }
            return r;
        }

        void leave() {
            now(coordinator.consumerGroupHeartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                    .setInstanceId(instanceId).setMemberEpoch(instanceId == null ? -1 : -2), "consumer", "/127.0.0.1", (short) 1));
        }
    }

    /** Two eager classic members, stable with partitions {0,1,2} and {3,4,5}. */
    private List<ClassicClient> stableClassicGroup() {
        ClassicClient a = new ClassicClient();
        ClassicClient b = new ClassicClient();
        a.memberId = now(a.joinAsync()).memberId();
        b.memberId = now(b.joinAsync()).memberId();
        CompletableFuture<JoinGroupResponseData> ja = a.joinAsync();
        JoinGroupResponseData jb = now(b.joinAsync());
        a.generation = now(ja).generationId();
        b.generation = jb.generationId();
        ClassicClient leader = jb.leader().equals(a.memberId) ? a : b;
        ClassicClient follower = leader == a ? b : a;
        CompletableFuture<SyncGroupResponseData> followerSync = coordinator.syncGroup(new SyncGroupRequestData().setGroupId("g")
                .setMemberId(follower.memberId).setGenerationId(follower.generation));
        leader.sync(List.of(assignment(leader.memberId, 0, 1, 2), assignment(follower.memberId, 3, 4, 5)));
        follower.owned = new HashSet<>(List.of(3, 4, 5));
        assertEquals(Errors.NONE.code(), now(followerSync).errorCode());
        return List.of(a, b);
    }

    private static SyncGroupRequestAssignment assignment(String memberId, int... partitions) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : partitions) {
            tps.add(new TopicPartition("t", p));
        }
        ByteBuffer b = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(tps));
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new SyncGroupRequestAssignment().setMemberId(memberId).setAssignment(bytes);
    }

    private static void assertNoPartitionHasTwoOwners(List<ClassicClient> classic, List<ConsumerClient> consumers) {
        Map<Integer, String> owner = new HashMap<>();
        classic.forEach(c -> c.owned.forEach(p -> assertEquals(null, owner.put(p, c.memberId), "partition " + p + " has two owners")));
        consumers.forEach(c -> c.owned.forEach(p -> assertEquals(null, owner.put(p, c.memberId), "partition " + p + " has two owners")));
    }

    private void rounds(List<ClassicClient> classic, List<ConsumerClient> consumers, int n) {
        for (int i = 0; i < n; i++) {
            for (ClassicClient c : classic) {
                c.poll();
                assertNoPartitionHasTwoOwners(classic, consumers);
            }
            for (ConsumerClient c : consumers) {
                assertEquals(Errors.NONE.code(), c.heartbeat().errorCode());
                assertNoPartitionHasTwoOwners(classic, consumers);
            }
        }
    }

    private String groupType() {
        return now(coordinator.listGroups(Set.of(), Set.of())).stream().filter(g -> g.groupId().equals("g"))
                .map(ListedGroup::groupType).findFirst().orElse("none");
    }

    @Test
    void aConsumerMemberUpgradesAClassicGroupAndTheClassicMembersShareThePartitions() {
        // given
        start(MigrationPolicy.BIDIRECTIONAL);
        List<ClassicClient> classic = stableClassicGroup();
        assertEquals("classic", groupType());
        // when
        ConsumerClient c = new ConsumerClient();
        assertEquals(Errors.NONE.code(), c.heartbeat().errorCode());
        assertEquals("consumer", groupType());
        assertTrue(c.owned.isEmpty(), "nothing is free yet: the classic members own it all");
        assertEquals(Errors.REBALANCE_IN_PROGRESS, classic.get(0).heartbeat(), "a classic member must rejoin for the new epoch");
        rounds(classic, List.of(c), 4);
        // then
        assertEquals(2, c.owned.size());
        classic.forEach(m -> assertEquals(2, m.owned.size()));
        ConsumerGroupDescribeResponseData.DescribedGroup d = now(coordinator.consumerGroupDescribe(List.of("g"))).get(0);
        assertEquals("Stable", d.groupState());
        Map<String, Byte> types = new HashMap<>();
        d.members().forEach(m -> types.put(m.memberId(), m.memberType()));
        assertEquals(Map.of(classic.get(0).memberId, (byte) 0, classic.get(1).memberId, (byte) 0, c.memberId, (byte) 1), types);
        assertEquals(d.groupEpoch(), classic.get(0).generation, "a classic member's generation is its member epoch");
    }

    @Test
    void aClassicMemberJoinsAConsumerGroupAndGetsPartitionsFromTheServerSideAssignor() {
        // given
        start(MigrationPolicy.BIDIRECTIONAL);
        ConsumerClient c = new ConsumerClient();
        c.heartbeat();
        assertEquals(6, c.owned.size());
        // when
        ClassicClient classic = new ClassicClient();
        JoinGroupResponseData join = classic.join();
        // then
        assertEquals("", join.leader(), "every classic member of a consumer group is a follower");
        assertEquals("range", join.protocolName());
        assertEquals(Errors.NONE.code(), classic.sync(List.of()).errorCode());
        assertTrue(classic.owned.isEmpty(), "the consumer member has not released anything yet");
        rounds(List.of(classic), List.of(c), 4);
        assertEquals(3, c.owned.size());
        assertEquals(3, classic.owned.size());
    }

    @Test
    void theLastConsumerMemberLeavingDowngradesTheGroup() {
        // given
        start(MigrationPolicy.BIDIRECTIONAL);
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient c = new ConsumerClient();
        c.heartbeat();
        rounds(classic, List.of(c), 4);
        // when
        c.leave();
        // then: a classic group rebalancing at generation = the group epoch
        assertEquals("classic", groupType());
        assertEquals("PreparingRebalance", now(coordinator.describeGroups(List.of("g"), true)).get(0).groupState());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, classic.get(0).heartbeat());
        CompletableFuture<JoinGroupResponseData> first = classic.get(0).joinAsync();
        assertFalse(first.isDone(), "a classic rebalance waits for every member");
        JoinGroupResponseData second = classic.get(1).join();
        classic.get(0).generation = now(first).generationId();
        assertEquals(second.generationId(), classic.get(0).generation);
        assertFalse(second.leader().isEmpty(), "a classic group has a leader again");
    }

    @Test
    void withMigrationDisabledAClassicGroupWithMembersRefusesConsumerMembers() {
        start(MigrationPolicy.DISABLED);
        stableClassicGroup();
        ConsumerGroupHeartbeatResponseData r = new ConsumerClient().heartbeat();
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), r.errorCode());
        assertEquals("classic", groupType());
    }

    @Test
    void withUpgradeOnlyTheGroupStaysAConsumerGroupWhenTheConsumerMemberLeaves() {
        start(MigrationPolicy.UPGRADE);
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient c = new ConsumerClient();
        c.heartbeat();
        rounds(classic, List.of(c), 3);
        c.leave();
        assertEquals("consumer", groupType());
        rounds(classic, List.of(), 3);
        assertEquals(3, classic.get(0).owned.size());
        assertEquals(3, classic.get(1).owned.size());
    }

    @Test
    void aMixedGroupSurvivesARestart() {
        // given
        start(MigrationPolicy.BIDIRECTIONAL);
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient c = new ConsumerClient();
        c.heartbeat();
        rounds(classic, List.of(c), 4);
        // when
        scheduler = new MockScheduler();
        start(MigrationPolicy.BIDIRECTIONAL);
        // then: the classic members carry on at their generation and the consumer member's leave still downgrades
        classic.forEach(m -> assertEquals(Errors.NONE, m.heartbeat()));
        assertEquals(2, classic.get(0).owned.size());
        assertEquals(Errors.NONE.code(), classic.get(0).sync(List.of()).errorCode());
        c.leave();
        assertEquals("classic", groupType());
    }

    @Test
    void aClassicMemberThatDoesNotRejoinIsRemovedAfterItsRebalanceTimeout() {
        start(MigrationPolicy.BIDIRECTIONAL);
        List<ClassicClient> classic = stableClassicGroup();
        ConsumerClient c = new ConsumerClient();
        c.heartbeat();
        assertEquals(Errors.REBALANCE_IN_PROGRESS, classic.get(0).heartbeat());
        for (int i = 0; i < 5; i++) { // keeps heartbeating (its session lives) but never rejoins
            scheduler.sleep(5_000);
            classic.get(0).heartbeat();
            classic.get(1).poll();
            c.heartbeat();
        }
        ConsumerGroupDescribeResponseData.DescribedGroup d = now(coordinator.consumerGroupDescribe(List.of("g"))).get(0);
        assertEquals(Set.of(classic.get(1).memberId, c.memberId), new HashSet<>(d.members().stream().map(m -> m.memberId()).toList()));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, classic.get(0).heartbeat());
    }

    @Test
    void aStaticConsumerMemberTakesOverItsClassicPredecessorOnUpgrade() {
        // given: static classic members, one of which restarts with the consumer protocol (no LeaveGroup: it is static)
        start(MigrationPolicy.BIDIRECTIONAL);
        ClassicClient a = new ClassicClient();
        a.instanceId = "a";
        a.join();
        a.sync(List.of(assignment(a.memberId, 0, 1, 2, 3, 4, 5)));
        assertEquals(6, a.owned.size());
        // when
        ConsumerClient successor = new ConsumerClient();
        successor.instanceId = "a";
        ConsumerGroupHeartbeatResponseData r = successor.heartbeat();
        // then
        assertEquals(Errors.NONE.code(), r.errorCode(), r.errorMessage());
        assertEquals("consumer", groupType());
        assertEquals(6, successor.owned.size(), "it keeps its predecessor's partitions");
        assertEquals(Errors.FENCED_INSTANCE_ID, a.heartbeat(), "the predecessor is fenced");
    }

    @Test
    void aStaticClassicMemberReplacingTheLastConsumerMemberDowngradesWithoutARebalance() {
        // given: a static consumer-protocol member and a classic member share the partitions
        start(MigrationPolicy.BIDIRECTIONAL);
        ConsumerClient a = new ConsumerClient();
        a.instanceId = "a";
        a.heartbeat();
        ClassicClient b = new ClassicClient();
        b.join();
        b.sync(List.of());
        rounds(List.of(b), List.of(a), 4);
        Set<Integer> ownedByA = a.owned;
        assertEquals(3, ownedByA.size());
        a.leave(); // -2: a static member restarting keeps its partitions
        assertEquals("consumer", groupType());
        // when: it comes back with the classic protocol
        ClassicClient successor = new ClassicClient();
        successor.instanceId = "a";
        successor.join();
        // then
        assertEquals("classic", groupType());
        assertEquals("Stable", now(coordinator.describeGroups(List.of("g"), true)).get(0).groupState());
        assertEquals(Errors.NONE.code(), successor.sync(List.of()).errorCode());
        assertEquals(ownedByA, successor.owned, "the successor holds its predecessor's partitions, with no rebalance");
        assertEquals(2, now(coordinator.describeGroups(List.of("g"), true)).get(0).members().size());
        assertEquals(Errors.NONE, b.heartbeat(), "the other classic member carries on at its generation");
    }

    @Test
    void theMigrationPolicyIsParsedAsKafkaDoes() {
        assertEquals(MigrationPolicy.BIDIRECTIONAL, GroupConfig.defaults().migrationPolicy());
        assertEquals(MigrationPolicy.UPGRADE, GroupConfig.from(Map.of("group.consumer.migration.policy", "Upgrade")).migrationPolicy());
        org.junit.jupiter.api.Assertions.assertThrows(org.apache.kafka.common.config.ConfigException.class,
                () -> GroupConfig.from(Map.of("group.consumer.migration.policy", "sideways")));
    }
}
