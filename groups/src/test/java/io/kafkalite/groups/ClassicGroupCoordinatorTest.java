package io.kafkalite.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The classic protocol's timers, run deterministically on a mock clock. */
class ClassicGroupCoordinatorTest {
    private final MockScheduler scheduler = new MockScheduler();
    private ClassicGroupCoordinator coordinator = withInitialDelay(0);

    private ClassicGroupCoordinator withInitialDelay(int ms) {
        return new ClassicGroupCoordinator(scheduler, new GroupConfig(6000, 300_000, ms, 100, 4096, 1000, 1000, 45_000, 5000),
                new GroupMetadataStore(new LmdbLikeDurableMap()));
    }

    /** The join's answer, which must already be there (a test never blocks). */
    private static JoinGroupResponseData done(CompletableFuture<JoinGroupResponseData> join) {
        assertTrue(join.isDone(), "the join completed");
        return join.getNow(null);
    }

    private CompletableFuture<JoinGroupResponseData> join(String memberId, int sessionTimeout, int rebalanceTimeout) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return coordinator.join(new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setSessionTimeoutMs(sessionTimeout)
                .setRebalanceTimeoutMs(rebalanceTimeout).setProtocolType("consumer").setProtocols(protocols), "client", "/127.0.0.1", (short) 9);
    }

    private String newMember() {
        return done(join("", 10_000, 20_000)).memberId();
    }

    /** Joins and syncs both members (initial delay 0); returns the generation they are stable in. */
    private int stableGroupOf(String a, String b, int sessionTimeout) {
        CompletableFuture<JoinGroupResponseData> ja = join(a, sessionTimeout, 20_000);
        join(b, sessionTimeout, 20_000);
        int generation = done(ja).generationId();
        sync(a, generation);
        sync(b, generation);
        return generation;
    }

    private void sync(String memberId, int generation) {
        coordinator.sync(new SyncGroupRequestData().setGroupId("g").setMemberId(memberId).setGenerationId(generation));
    }

    @Test
    void theFirstRebalanceWaitsForTheInitialDelayExtendedByNewcomers() {
        // given
        coordinator = withInitialDelay(3000);
        CompletableFuture<JoinGroupResponseData> a = join(newMember(), 10_000, 20_000);
        scheduler.sleep(2000);
        CompletableFuture<JoinGroupResponseData> b = join(newMember(), 10_000, 20_000);
        // when
        scheduler.sleep(1500);
        // then: 3.5 s after the first join the delay was extended because b arrived
        assertFalse(a.isDone());
        scheduler.sleep(3000);
        assertTrue(b.isDone());
        assertEquals(1, done(a).generationId());
        assertEquals(2, coordinator.groups.get("g").members.size());
    }

    @Test
    void aMemberThatMissesItsSessionTimeoutIsRemovedAndTheOthersRebalance() {
        String a = newMember();
        String b = newMember();
        int generation = stableGroupOf(a, b, 10_000);
        assertEquals(ClassicGroupState.STABLE, coordinator.groups.get("g").state);
        // when: only a keeps heartbeating
        for (int i = 0; i < 4; i++) {
            scheduler.sleep(3000);
            assertEquals(i < 3 ? Errors.NONE : Errors.REBALANCE_IN_PROGRESS, coordinator.heartbeat(new HeartbeatRequestData()
                    .setGroupId("g").setMemberId(a).setGenerationId(generation)));
        }
        // then: b expired after 10 s; a must rejoin and becomes the only member
        assertFalse(coordinator.groups.get("g").members.containsKey(b));
        CompletableFuture<JoinGroupResponseData> again = join(a, 10_000, 20_000);
        assertEquals(generation + 1, done(again).generationId());
        assertEquals(List.of(a), done(again).members().stream().map(m -> m.memberId()).toList());
    }

    @Test
    void membersThatDoNotRejoinWithinTheRebalanceTimeoutAreDropped() {
        String a = newMember();
        String b = newMember();
        int generation = stableGroupOf(a, b, 30_000);
        // when: a rejoins (new metadata) and b never does
        CompletableFuture<JoinGroupResponseData> rejoin = join(a, 30_000, 20_000);
        coordinator.groups.get("g").members.get(a).protocols = Map.of("range", new byte[] {1});
        assertFalse(rejoin.isDone());
        scheduler.sleep(20_000);
        // then
        assertEquals(Errors.NONE.code(), done(rejoin).errorCode());
        assertEquals(generation + 1, done(rejoin).generationId());
        assertEquals(1, coordinator.groups.get("g").members.size());
    }

    @Test
    void memberIdsHandedOutButNeverUsedExpire() {
        JoinGroupResponseData first = done(join("", 10_000, 20_000));
        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
        assertTrue(coordinator.groups.get("g").pendingMembers.contains(first.memberId()));
        scheduler.sleep(10_000);
        assertTrue(coordinator.groups.get("g").pendingMembers.isEmpty());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), done(join(first.memberId(), 10_000, 20_000)).errorCode());
    }
}
