package io.kafkalite.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * OffsetCommit and Heartbeat of a classic group member in each state, answered as Kafka's coordinator answers
 * them (ClassicGroup.validateOffsetCommit, classicGroupHeartbeat). A cooperative member keeps consuming and
 * committing while its own JoinGroup is parked; a broker handles a connection's requests one at a time, so such
 * a commit is handled after the join completes and gets ILLEGAL_GENERATION, as from Kafka (librdkafka's
 * "Commit failed" in rdkafka_group.py with cooperative-sticky).
 */
class ClassicGroupCommitStatesTest {
    private static final TopicsView TOPICS = new TopicsView() {
        public int partitions(String topic) {
            return topic.equals("t") ? 4 : -1;
        }

        public Uuid topicId(String topic) {
            return null;
        }

        public String topicName(Uuid id) {
            return null;
        }

        public Collection<String> topicNames() {
            return List.of("t");
        }
    };
    private static final GroupConfig CONFIG = new GroupConfig(6000, 300_000, 0, 100, 4096, 7 * 24 * 3600_000L, 600_000, 45_000, 5000);

    private final MockScheduler scheduler = new MockScheduler();
    private final GroupCoordinator coordinator = new GroupCoordinator(scheduler, CONFIG, new LmdbLikeDurableMap(), new LmdbLikeDurableMap(), TOPICS);

    private static <T> T now(CompletableFuture<T> f) {
        assertTrue(f.isDone(), "answered");
        return f.join();
    }

    private CompletableFuture<JoinGroupResponseData> join(String memberId) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("cooperative-sticky").setMetadata(new byte[0]));
        return coordinator.joinGroup(new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(20_000).setProtocolType("consumer").setProtocols(protocols), "client", "/127.0.0.1", (short) 9);
    }

    private Errors commit(String memberId, int generation) {
        Map<TopicPartition, Errors> result = now(coordinator.commitOffsets("g", generation, memberId, null,
                Map.of(new TopicPartition("t", 2), new CommittedOffset(125, 0, "", scheduler.now()))));
        return result.get(new TopicPartition("t", 2));
    }

    private Errors heartbeat(String memberId, int generation) {
        return now(coordinator.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId(memberId).setGenerationId(generation)));
    }

    private void sync(String memberId, int generation) {
        coordinator.syncGroup(new SyncGroupRequestData().setGroupId("g").setMemberId(memberId).setGenerationId(generation));
    }

    @Test
    void commitsAreJudgedByGenerationAndStateAsKafkaJudgesThem() {
        // given: a alone, stable in generation 1
        String a = now(join("")).memberId(); // MEMBER_ID_REQUIRED
        int first = now(join(a)).generationId();
        assertEquals(Errors.REBALANCE_IN_PROGRESS, commit(a, first), "CompletingRebalance: the generation has no assignment yet");
        assertEquals(Errors.NONE, heartbeat(a, first), "CompletingRebalance heartbeat");
        sync(a, first);
        assertEquals(Errors.NONE, commit(a, first), "Stable");
        // when: b joins, a has not rejoined yet
        String b = now(join("")).memberId();
        CompletableFuture<JoinGroupResponseData> joinB = join(b);
        assertFalse(joinB.isDone());
        // then: PreparingRebalance accepts a's commits of the current generation and tells it to rejoin
        assertEquals(Errors.NONE, commit(a, first), "PreparingRebalance, current generation");
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(a, first), "PreparingRebalance heartbeat");
        // when: a rejoins; a commit of generation 1 sent after its JoinGroup is handled once generation 2 formed
        int second = now(join(a)).generationId();
        assertEquals(first + 1, second);
        assertEquals(second, now(joinB).generationId());
        // then
        assertEquals(Errors.ILLEGAL_GENERATION, commit(a, first), "the old generation, once the new one formed");
        assertEquals(Errors.REBALANCE_IN_PROGRESS, commit(a, second), "CompletingRebalance, current generation");
        assertEquals(Errors.NONE, heartbeat(a, second), "CompletingRebalance heartbeat");
        sync(a, second);
        sync(b, second);
        assertEquals(Errors.NONE, commit(a, second), "Stable again");
        assertEquals(Errors.NONE, commit(b, second));
    }
}
