package io.kafkalite.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** KIP-848 reconciliation on a mock clock: members come and go, and no partition ever has two owners. */
class ConsumerGroupCoordinatorTest {
    private static final Uuid TOPIC = Uuid.randomUuid();
    private final MockScheduler scheduler = new MockScheduler();
    private final ConsumerGroupCoordinator coordinator = new ConsumerGroupCoordinator(scheduler, GroupConfig.defaults(), new TopicsView() {
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
    }, new GroupMetadataStore(new LmdbLikeDurableMap()));

    /** A client: owns what the last response gave it (a real client revokes before it acknowledges). */
    private final class Client {
        final String memberId = Uuid.randomUuid().toString();
        int epoch;
        Set<Integer> owned = new HashSet<>();

        ConsumerGroupHeartbeatResponseData heartbeat() {
            ConsumerGroupHeartbeatRequestData req = new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId)
                    .setMemberEpoch(epoch).setRebalanceTimeoutMs(60_000)
                    .setTopicPartitions(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(TOPIC)
                            .setPartitions(new ArrayList<>(owned))));
            if (epoch == 0) {
                req.setSubscribedTopicNames(List.of("t"));
            }
            ConsumerGroupHeartbeatResponseData r = coordinator.heartbeat(req, "client", "/127.0.0.1", (short) 1);
            assertEquals(Errors.NONE.code(), r.errorCode(), r.errorMessage());
            epoch = r.memberEpoch();
            owned = new HashSet<>();
            r.assignment().topicPartitions().forEach(tp -> owned.addAll(tp.partitions()));
            return r;
        }

        void leave() {
            coordinator.heartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId("g").setMemberId(memberId).setMemberEpoch(-1),
                    "client", "/127.0.0.1", (short) 1);
        }
    }

    private void assertNoPartitionHasTwoOwners(List<Client> clients) {
        Map<Integer, String> owner = new HashMap<>();
        for (Client c : clients) {
            for (int p : c.owned) {
                String previous = owner.put(p, c.memberId);
                assertTrue(previous == null, "partition " + p + " owned by " + previous + " and " + c.memberId);
            }
        }
    }

    private void heartbeatRounds(List<Client> clients, int rounds) {
        for (int i = 0; i < rounds; i++) {
            for (Client c : clients) {
                c.heartbeat();
                assertNoPartitionHasTwoOwners(clients);
            }
        }
    }

    @Test
    void membersJoiningAndLeavingConvergeWithoutDoubleOwnership() {
        List<Client> clients = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            Client c = new Client();
            clients.add(c);
            heartbeatRounds(clients, 4);
            for (Client each : clients) {
                assertEquals(6 / n, each.owned.size(), n + " members share 6 partitions evenly");
            }
        }
        assertEquals("Stable", coordinator.stateOf(coordinator.groups.get("g")));
        Client leaving = clients.remove(0);
        leaving.leave();
        heartbeatRounds(clients, 4);
        assertEquals(3, clients.get(0).owned.size());
        assertEquals(3, clients.get(1).owned.size());
    }

    @Test
    void aSilentMemberIsRemovedAfterTheSessionTimeout() {
        Client a = new Client();
        Client b = new Client();
        heartbeatRounds(List.of(a, b), 3);
        for (int i = 0; i < 10; i++) {
            scheduler.sleep(5_000);
            a.heartbeat();
        }
        assertEquals(Set.of(a.memberId), coordinator.groups.get("g").members.keySet());
        assertEquals(6, a.owned.size());
    }
}
