package io.kafkalite.groups;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Group metadata survives a coordinator restart (a new coordinator over the same durable maps). */
class GroupCoordinatorRestartTest {
    private static final Uuid TOPIC = Uuid.randomUuid();
    private static final TopicsView TOPICS = new TopicsView() {
        public int partitions(String topic) {
            return topic.equals("t") ? 4 : -1;
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
    private static final GroupConfig CONFIG = new GroupConfig(6000, 300_000, 0, 100, 4096, 7 * 24 * 3600_000L, 600_000, 45_000, 5000);

    private final LmdbLikeDurableMap offsetsTable = new LmdbLikeDurableMap();
    private final LmdbLikeDurableMap metadataTable = new LmdbLikeDurableMap();
    private MockScheduler scheduler = new MockScheduler();
    private GroupCoordinator coordinator = newCoordinator();

    private GroupCoordinator newCoordinator() {
        return new GroupCoordinator(scheduler, CONFIG, offsetsTable, metadataTable, TOPICS);
    }

    private void restart() {
        scheduler = new MockScheduler(); // the old timers die with the old coordinator
        coordinator = newCoordinator();
    }

    private static <T> T now(CompletableFuture<T> f) {
        assertTrue(f.isDone(), "answered");
        return f.join();
    }

    private CompletableFuture<JoinGroupResponseData> join(String memberId, String instanceId) {
        return join(memberId, instanceId, (byte) 1);
    }

    private CompletableFuture<JoinGroupResponseData> join(String memberId, String instanceId, byte metadata) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {metadata}));
        return coordinator.joinGroup(new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setGroupInstanceId(instanceId)
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(20_000).setProtocolType("consumer").setProtocols(protocols),
                "client", "/127.0.0.1", (short) 9);
    }

    private Errors heartbeat(String memberId, int generation) {
        return now(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(memberId).setGenerationId(generation)));
    }

    /** Two members, a static one ("static-b") among them, stable with assignments {1} and {2}. */
    private List<String> stableClassicGroup() {
        String a = now(join("", null)).memberId(); // MEMBER_ID_REQUIRED: pending
        CompletableFuture<JoinGroupResponseData> jb = join("", "static-b");
        JoinGroupResponseData ja = now(join(a, null));
        int generation = ja.generationId();
        String b = now(jb).memberId();
        assertEquals(1, generation);
        String leader = ja.leader();
        String follower = leader.equals(a) ? b : a;
        CompletableFuture<SyncGroupResponseData> followerSync = coordinator.syncGroup(new SyncGroupRequestData().setGroupId("g")
                .setMemberId(follower).setGenerationId(generation));
        assertFalse(followerSync.isDone(), "a follower waits for the leader's assignment");
        SyncGroupResponseData synced = now(coordinator.syncGroup(new SyncGroupRequestData().setGroupId("g").setMemberId(leader)
                .setGenerationId(generation).setAssignments(List.of(new SyncGroupRequestAssignment().setMemberId(a).setAssignment(new byte[] {1}),
                        new SyncGroupRequestAssignment().setMemberId(b).setAssignment(new byte[] {2})))));
        assertEquals(Errors.NONE.code(), synced.errorCode());
        assertArrayEquals(new byte[] {leader.equals(a) ? (byte) 2 : 1}, now(followerSync).assignment());
        return List.of(a, b);
    }

    @Test
    void aStableClassicGroupComesBackStableWithItsGenerationAndMembers() {
        // given
        List<String> members = stableClassicGroup();
        int generation = 1;
        restart();
        // then
        DescribedGroup d = now(coordinator.describeGroups(List.of("g"), true)).get(0);
        assertEquals("Stable", d.groupState());
        assertEquals(2, d.members().size());
        assertEquals(Errors.NONE, heartbeat(members.get(1), generation), "a member heartbeats on at its generation");
        assertArrayEquals(new byte[] {2}, now(coordinator.syncGroup(new SyncGroupRequestData().setGroupId("g").setMemberId(members.get(1))
                .setGenerationId(generation))).assignment(), "and keeps its assignment");
    }

    @Test
    void membersThatDoNotComeBackAfterARestartExpireNormally() {
        // given
        List<String> members = stableClassicGroup();
        restart();
        int generation = 1;
        // when: only the first member heartbeats
        for (int i = 0; i < 4; i++) {
            scheduler.sleep(3000);
            heartbeat(members.get(0), generation);
        }
        // then: the silent one was removed by its fresh session timer and the group rebalances
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(members.get(0), generation));
        assertEquals(1, now(coordinator.describeGroups(List.of("g"), true)).get(0).members().size());
    }

    @Test
    void aStaticMemberRestartingAfterACoordinatorRestartTakesItsSlotWithoutARebalance() {
        List<String> members = stableClassicGroup();
        restart();
        JoinGroupResponseData rejoined = now(join("", "static-b"));
        assertEquals(Errors.NONE.code(), rejoined.errorCode());
        assertEquals(1, rejoined.generationId(), "same generation: no rebalance");
        assertEquals(Errors.NONE, heartbeat(members.get(0), 1), "the other member is not disturbed");
        // and the new member id is stored
        restart();
        assertEquals(Errors.NONE, heartbeat(rejoined.memberId(), 1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(members.get(1), 1));
    }

    @Test
    void aRestartedStaticMemberWhoseSubscriptionChangedOnlyInItsMetadataCausesNoRebalance() {
        // given: a restarted consumer's subscription no longer lists its owned partitions
        List<String> members = stableClassicGroup();
        restart();
        // when
        JoinGroupResponseData rejoined = now(join("", "static-b", (byte) 7));
        // then: as in Kafka, only a change of the group's protocol would rebalance
        assertEquals(Errors.NONE.code(), rejoined.errorCode());
        assertEquals(1, rejoined.generationId(), "same generation: no rebalance");
        assertEquals(Errors.NONE, heartbeat(members.get(0), 1), "the other member is not disturbed");
    }

    @Test
    void anEmptiedOrDeletedGroupLeavesNoRecord() {
        List<String> members = stableClassicGroup();
        coordinator.leaveGroup("g", List.of(new org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity().setMemberId(members.get(0)),
                new org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity().setGroupInstanceId("static-b")));
        assertEquals(0, metadataTable.size(), "tombstone once empty");
        restart();
        assertEquals("Dead", now(coordinator.describeGroups(List.of("g"), false)).get(0).groupState(), "no offsets, no group");
    }

    private ConsumerGroupHeartbeatResponseData consumerHeartbeat(String memberId, int epoch, List<Integer> owned) {
        ConsumerGroupHeartbeatRequestData req = new ConsumerGroupHeartbeatRequestData().setGroupId("cg").setMemberId(memberId)
                .setMemberEpoch(epoch).setRebalanceTimeoutMs(60_000).setTopicPartitions(List.of(
                        new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(TOPIC).setPartitions(owned)));
        if (epoch == 0) {
            req.setSubscribedTopicNames(List.of("t"));
        }
        ConsumerGroupHeartbeatResponseData r = now(coordinator.consumerGroupHeartbeat(req, "client", "/127.0.0.1", (short) 1));
        assertEquals(Errors.NONE.code(), r.errorCode(), r.errorMessage());
        return r;
    }

    private static List<Integer> owned(ConsumerGroupHeartbeatResponseData r) {
        List<Integer> result = new ArrayList<>();
        r.assignment().topicPartitions().forEach(tp -> result.addAll(tp.partitions()));
        return result;
    }

    @Test
    void aConsumerGroupComesBackWithItsEpochsAndAssignments() {
        // given: two members converge
        String a = Uuid.randomUuid().toString();
        String b = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData ra = consumerHeartbeat(a, 0, List.of());
        ConsumerGroupHeartbeatResponseData rb = consumerHeartbeat(b, 0, List.of());
        for (int i = 0; i < 3; i++) {
            ra = consumerHeartbeat(a, ra.memberEpoch(), owned(ra));
            rb = consumerHeartbeat(b, rb.memberEpoch(), owned(rb));
        }
        assertEquals(2, owned(ra).size());
        assertEquals(2, owned(rb).size());
        int epoch = ra.memberEpoch();
        // when
        restart();
        // then: both heartbeat on at their epoch with the same partitions; the group epoch did not move
        ConsumerGroupHeartbeatResponseData after = consumerHeartbeat(a, epoch, owned(ra));
        assertEquals(epoch, after.memberEpoch());
        assertEquals(owned(ra), owned(after));
        assertEquals(owned(rb), owned(consumerHeartbeat(b, epoch, owned(rb))));
        var described = now(coordinator.consumerGroupDescribe(List.of("cg"))).get(0);
        assertEquals("Stable", described.groupState());
        assertEquals(epoch, described.groupEpoch());
        int writes = metadataTable.writes;
        consumerHeartbeat(a, epoch, owned(ra));
        assertEquals(writes, metadataTable.writes, "a heartbeat that changes nothing writes nothing");
    }

    @Test
    void aConsumerGroupMemberThatDoesNotComeBackExpires() {
        String a = Uuid.randomUuid().toString();
        String b = Uuid.randomUuid().toString();
        ConsumerGroupHeartbeatResponseData ra = consumerHeartbeat(a, 0, List.of());
        consumerHeartbeat(b, 0, List.of());
        restart();
        for (int i = 0; i < 10; i++) {
            scheduler.sleep(5000);
            ra = consumerHeartbeat(a, ra.memberEpoch(), owned(ra));
        }
        assertEquals(List.of(a), now(coordinator.consumerGroupDescribe(List.of("cg"))).get(0).members().stream().map(m -> m.memberId()).toList());
        assertEquals(4, owned(ra).size());
    }

    @Test
    void offsetsOfAGroupIdOverTheKeyLimitCommitAlongsideOthersAndSurviveARestart() {
        String longGroup = "x".repeat(1000);
        TopicPartition tp = new TopicPartition("t", 0);
        CompletableFuture<Map<TopicPartition, Errors>> longCommit = coordinator.commitOffsets(longGroup, -1, "", null,
                Map.of(tp, new CommittedOffset(11, -1, "", 1)));
        CompletableFuture<Map<TopicPartition, Errors>> shortCommit = coordinator.commitOffsets("other", -1, "", null,
                Map.of(tp, new CommittedOffset(22, -1, "", 1)));
        assertEquals(Map.of(tp, Errors.NONE), now(longCommit));
        assertEquals(Map.of(tp, Errors.NONE), now(shortCommit));
        restart();
        @SuppressWarnings("unchecked")
        Map<TopicPartition, CommittedOffset> offsets = (Map<TopicPartition, CommittedOffset>) now(coordinator.fetchOffsets(
                List.of(new GroupCoordinator.OffsetRequest(longGroup, null, -1, List.of(tp), false)))).get(longGroup);
        assertEquals(11, offsets.get(tp).offset());
        assertFalse(metadataTable.anyKeyLongerThan(StoreKeys.MAX_KEY_BYTES));
    }
}
