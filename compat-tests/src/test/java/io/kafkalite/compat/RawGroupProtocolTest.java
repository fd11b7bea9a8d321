package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The classic group protocol on a bare socket: Kafka's error codes for members that get things wrong. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RawGroupProtocolTest {
    @RegisterExtension
    static final TestBroker broker = TestBroker.perClass(Map.of("group.initial.rebalance.delay.ms", "0"));

    @BeforeAll
    static void start() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("raw-groups", 1, (short) 1))).all().get();
        }
    }


    static JoinGroupRequest join(String group, String memberId, int sessionTimeout) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1, 2, 3}));
        return new JoinGroupRequest.Builder(new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setSessionTimeoutMs(sessionTimeout)
                .setRebalanceTimeoutMs(10_000).setProtocolType("consumer").setProtocols(protocols)).build((short) 9);
    }

    static short commit(RawClient c, String group, int generation, String member) throws Exception {
        OffsetCommitRequestData data = new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(generation).setMemberId(member)
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("raw-groups").setPartitions(List.of(
                        new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1)))));
        OffsetCommitResponse r = c.call(new OffsetCommitRequest(data, (short) 8));
        return r.data().topics().get(0).partitions().get(0).errorCode();
    }

    @Test
    void aMemberJoinsSyncsAndIsToldWhatItGotWrong() throws Exception {
        try (RawClient c = new RawClient(broker.port())) {
            FindCoordinatorResponse coordinator = c.call(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                    .setKeyType((byte) 0).setCoordinatorKeys(List.of("g1"))).build((short) 4));
            assertEquals(broker.port(), coordinator.data().coordinators().get(0).port());

            JoinGroupResponse bad = c.call(join("g1", "", 10));
            assertEquals(Errors.INVALID_SESSION_TIMEOUT.code(), bad.data().errorCode());
            JoinGroupResponse first = c.call(join("g1", "", 10_000));
            assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.data().errorCode());
            String memberId = first.data().memberId();
            assertFalse(memberId.isEmpty());
            JoinGroupResponseData joined = ((JoinGroupResponse) c.call(join("g1", memberId, 10_000))).data();
            assertEquals(Errors.NONE.code(), joined.errorCode());
            assertEquals(1, joined.generationId());
            assertEquals(memberId, joined.leader());
            assertEquals("range", joined.protocolName());
            assertEquals(1, joined.members().size());

            SyncGroupResponse wrongGeneration = c.call(new SyncGroupRequest.Builder(new SyncGroupRequestData().setGroupId("g1")
                    .setGenerationId(7).setMemberId(memberId)).build((short) 5));
            assertEquals(Errors.ILLEGAL_GENERATION.code(), wrongGeneration.data().errorCode());
            SyncGroupResponse synced = c.call(new SyncGroupRequest.Builder(new SyncGroupRequestData().setGroupId("g1").setGenerationId(1)
                    .setMemberId(memberId).setProtocolType("consumer").setProtocolName("range").setAssignments(List.of(
                            new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(memberId).setAssignment(new byte[] {9})))).build((short) 5));
            assertEquals(Errors.NONE.code(), synced.data().errorCode());
            assertEquals(9, synced.data().assignment()[0]);

            HeartbeatResponse unknown = c.call(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId("g1").setGenerationId(1)
                    .setMemberId("nobody")).build((short) 4));
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), unknown.data().errorCode());
            HeartbeatResponse ok = c.call(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId("g1").setGenerationId(1)
                    .setMemberId(memberId)).build((short) 4));
            assertEquals(Errors.NONE.code(), ok.data().errorCode());

            assertEquals(Errors.ILLEGAL_GENERATION.code(), commit(c, "g1", 2, memberId));
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commit(c, "g1", 1, "nobody"));
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commit(c, "g1", -1, ""), "a group with members refuses memberless commits");
            assertEquals(Errors.NONE.code(), commit(c, "g1", 1, memberId));
            assertEquals(Errors.ILLEGAL_GENERATION.code(), commit(c, "never-joined", 3, "someone"));
            assertEquals(Errors.NONE.code(), commit(c, "simple-group", -1, ""), "a simple consumer commits without a group");
        }
    }
}
