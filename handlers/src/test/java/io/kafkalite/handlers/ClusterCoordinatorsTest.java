package io.kafkalite.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.acl.AclAuthorizer;
import io.kafkalite.cluster.BrokerRegistration.HostPort;
import io.kafkalite.cluster.LocalQuorum;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.groups.CommittedOffset;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TransactionCoordinator.ProducerIdAndEpoch;
import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.handlers.coordination.ClusterCoordination;
import io.kafkalite.handlers.coordination.ReplicatedTables;
import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.handlers.replication.InterBrokerSecurity;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import io.kafkalite.logstore.LogStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.internals.SecurityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Coordinators of several in-JVM cluster nodes sharing one {@link LocalQuorum}, each with its own tables. */
class ClusterCoordinatorsTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private final LocalQuorum.Log log = new LocalQuorum.Log();
    private final List<ClusterNode> nodes = new ArrayList<>();

    /** One node: its own store and tables, wired as a cluster broker wires them ({@link ClusterCoordination}). */
    private final class ClusterNode {
        final LogStore store = LogStore.inMemory(Map.of());
        final ReplicatedTables tables = new ReplicatedTables(store::durableMap);
        final MetadataQuorum quorum;
        final ClusterCoordination coordination;
        final Coordinators coordinators;
        final AclAuthorizer authorizer;
        final ScramCredentialStore scram;
        final ClientQuotaStore quotas;
        final DynamicBrokerConfig brokerConfig;

        ClusterNode(int id) {
            this(id, q -> q);
        }

        /** @param wrap what this node's components see of its quorum node */
        ClusterNode(int id, java.util.function.UnaryOperator<MetadataQuorum> wrap) {
            quorum = wrap.apply(log.node(id, tables::local));
            coordination = ClusterCoordination.start(quorum, tables, store, null, Map.of("group.initial.rebalance.delay.ms", "0"),
                    new ClusterInfo(id, "cluster", "host" + id, 9090 + id), InterBrokerSecurity.of(new BrokerConfig(Map.of())));
            coordinators = coordination.coordinators();
            authorizer = new AclAuthorizer(coordination.table("acls"));
            scram = new ScramCredentialStore(coordination.table("scram_credentials"));
            quotas = new ClientQuotaStore(coordination.table("client_quotas"));
            brokerConfig = DynamicBrokerConfig.load(new BrokerConfig(Map.of("node.id", String.valueOf(id))), coordination.table("broker_configs"));
            coordination.follow(authorizer, scram, quotas, brokerConfig);
            nodes.add(this);
        }

        void close() {
            coordination.close();
            quorum.close();
            store.close();
        }
    }

    @AfterEach
    void close() {
        nodes.forEach(ClusterNode::close);
        log.close();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static Map<TopicPartition, CommittedOffset> committed(GroupCoordinator groups, String group) throws Exception {
        @SuppressWarnings("unchecked")
        Map<TopicPartition, CommittedOffset> offsets = (Map<TopicPartition, CommittedOffset>) get(groups.fetchOffsets(
                List.of(new GroupCoordinator.OffsetRequest(group, null, -1, List.of(TP), false)))).get(group);
        return offsets;
    }

    private void failover(ClusterNode from, ClusterNode to) throws InterruptedException {
        log.setLeader(to.quorum.nodeId());
        await(() -> to.coordinators.isActive() && !from.coordinators.isActive(), "node " + to.quorum.nodeId() + " coordinates");
    }

    @Test
    void offsetsCommittedOnTheLeaderAreServedByTheNextLeader() throws Exception {
        ClusterNode n1 = new ClusterNode(1);
        ClusterNode n2 = new ClusterNode(2);
        await(n1.coordinators::isActive, "node 1 coordinates");
        assertThrows(NotCoordinatorException.class, n2.coordinators::groups, "the non-leader does not coordinate");
        assertThrows(NotCoordinatorException.class, n2.coordinators::transactions);

        Map<TopicPartition, Errors> result = get(n1.coordinators.groups().commitOffsets("g", -1, "", null,
                Map.of(TP, new CommittedOffset(42, 3, "meta", 1000))));
        assertEquals(Map.of(TP, Errors.NONE), result);

        failover(n1, n2);
        assertThrows(NotCoordinatorException.class, n1.coordinators::groups, "the old leader stopped coordinating");
        CommittedOffset offset = committed(n2.coordinators.groups(), "g").get(TP);
        assertEquals(42, offset.offset());
        assertEquals(3, offset.leaderEpoch());
        assertEquals("meta", offset.metadata());

        // and back: what node 2 committed is on node 1 when it leads again
        get(n2.coordinators.groups().commitOffsets("g", -1, "", null, Map.of(TP, new CommittedOffset(43, 3, "", 2000))));
        failover(n2, n1);
        assertEquals(43, committed(n1.coordinators.groups(), "g").get(TP).offset());
    }

    @Test
    void deletingATopicDeletesItsCommittedOffsets() throws Exception {
        ClusterNode n1 = new ClusterNode(1);
        await(n1.coordinators::isActive, "node 1 coordinates");
        org.apache.kafka.common.Uuid id = org.apache.kafka.common.Uuid.randomUuid();
        get(n1.quorum.submit(new MetadataRecord.RegisterBroker(1, 1, Map.of(), null)));
        get(n1.quorum.submit(new MetadataRecord.UnfenceBroker(1, 1)));
        assertEquals(Errors.NONE, get(n1.quorum.submit(new MetadataRecord.CreateTopic("t", id, Map.of(), List.of(List.of(1))))).error());
        get(n1.coordinators.groups().commitOffsets("g", -1, "", null, Map.of(TP, new CommittedOffset(5, -1, "", 1000))));
        assertEquals(5, committed(n1.coordinators.groups(), "g").get(TP).offset());
        assertEquals(Errors.NONE, get(n1.quorum.submit(new MetadataRecord.DeleteTopic(id))).error());
        await(() -> {
            try {
                return committed(n1.coordinators.groups(), "g").get(TP).offset() == -1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "the offsets of the deleted topic are gone");
    }

    @Test
    void aClassicGroupKeepsItsGenerationAcrossAFailover() throws Exception {
        ClusterNode n1 = new ClusterNode(1);
        ClusterNode n2 = new ClusterNode(2);
        await(n1.coordinators::isActive, "node 1 coordinates");
        JoinGroupResponseData required = get(join(n1.coordinators.groups(), ""));
        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), required.errorCode());
        String member = required.memberId();
        JoinGroupResponseData joined = get(join(n1.coordinators.groups(), member));
        assertEquals(Errors.NONE.code(), joined.errorCode());
        int generation = joined.generationId();
        assertEquals(Errors.NONE.code(), get(n1.coordinators.groups().syncGroup(new SyncGroupRequestData().setGroupId("g")
                .setMemberId(member).setGenerationId(generation).setProtocolType("consumer").setProtocolName("range")
                .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(member)
                        .setAssignment(new byte[] {7}))))).errorCode());

        failover(n1, n2);
        HeartbeatRequestData heartbeat = new HeartbeatRequestData().setGroupId("g").setMemberId(member).setGenerationId(generation);
        assertEquals(Errors.NONE, get(n2.coordinators.groups().heartbeat(heartbeat)), "the member goes on at its generation");
        JoinGroupResponseData rejoined = get(join(n2.coordinators.groups(), member));
        assertEquals(Errors.NONE.code(), rejoined.errorCode());
        assertEquals(generation + 1, rejoined.generationId(), "a rejoin on the new coordinator rebalances from the stored generation");
    }

    private static CompletableFuture<JoinGroupResponseData> join(GroupCoordinator groups, String memberId) {
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1}));
        return groups.joinGroup(new JoinGroupRequestData().setGroupId("g").setMemberId(memberId).setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(10_000).setProtocolType("consumer").setProtocols(protocols), "client", "/127.0.0.1", (short) 9);
    }

    @Test
    void aTransactionalIdKeepsItsProducerIdAcrossAFailover() throws Exception {
        ClusterNode n1 = new ClusterNode(1);
        ClusterNode n2 = new ClusterNode(2);
        await(n1.coordinators::isActive, "node 1 coordinates");
        ProducerIdAndEpoch first = get(n1.coordinators.transactions().initProducerId("tx", 60_000, -1, (short) -1));
        assertEquals(Errors.NONE, first.error());
        failover(n1, n2);
        ProducerIdAndEpoch second = get(n2.coordinators.transactions().initProducerId("tx", 60_000, -1, (short) -1));
        assertEquals(Errors.NONE, second.error());
        assertEquals(first.producerId(), second.producerId());
        assertEquals(first.producerEpoch() + 1, second.producerEpoch(), "the new coordinator fences the old producer");
    }

    @Test
    void producerIdBlocksOfTwoNodesNeverOverlap() throws Exception {
        ClusterNode n1 = new ClusterNode(1);
        ClusterNode n2 = new ClusterNode(2);
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 2500; i++) {
            assertTrue(ids.add(n1.coordinators.newProducerId()), "a fresh id");
            assertTrue(ids.add(n2.coordinators.newProducerId()), "a fresh id");
        }
        assertEquals(5000, ids.size());
    }

    @Test
    void anAclCreatedOnOneNodeIsEnforcedOnAnother() throws Exception {
        ClusterNode n1 = new ClusterNode(1);
        ClusterNode n2 = new ClusterNode(2);
        Authorization on2 = new Authorization(n2.authorizer);
        FindCoordinatorRequest body = HandlerCalls.request(ApiKeys.FIND_COORDINATOR, new FindCoordinatorRequestData().setKey("t"), (short) 3);
        KafkaPrincipal alice = SecurityUtils.parseKafkaPrincipal("User:alice");
        assertFalse(on2.allowed(HandlerCalls.context(body, alice), AclOperation.READ, ResourceType.TOPIC, "t"));

        AclBinding allow = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL),
                new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
        assertTrue(get(n1.authorizer.createAcls(HandlerCalls.context(body, alice).context(), List.of(allow)).get(0)).exception().isEmpty());
        await(() -> on2.allowed(HandlerCalls.context(body, alice), AclOperation.READ, ResourceType.TOPIC, "t"), "node 2 allows alice");
        assertFalse(on2.allowed(HandlerCalls.context(body, SecurityUtils.parseKafkaPrincipal("User:bob")), AclOperation.READ,
                ResourceType.TOPIC, "t"), "only alice");
    }

    @Test
    void credentialsQuotasAndBrokerConfigsChangedOnOneNodeApplyOnAnother() throws Exception {
        ClusterNode n1 = new ClusterNode(1);
        ClusterNode n2 = new ClusterNode(2);
        ScramCredential credential = ScramCredentialStore.fromSaltedPassword(ScramMechanism.SCRAM_SHA_256, new byte[] {1, 2},
                new byte[32], 4096);
        get(n1.scram.alter(List.of(new ScramCredentialStore.Change("alice", ScramMechanism.SCRAM_SHA_256, credential))));
        ClientQuotaEntity client = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "app"));
        get(n1.quotas.alter(List.of(new ClientQuotaAlteration(client, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1024.0)))),
                false));
        List<Long> retention = new java.util.concurrent.CopyOnWriteArrayList<>();
        n2.brokerConfig.subscribe(List.of("log.retention.ms"), c -> retention.add(Long.parseLong(c.originals().get("log.retention.ms"))));
        assertEquals(org.apache.kafka.common.requests.ApiError.NONE, n1.brokerConfig.alter("", m -> {
            m.put("log.retention.ms", "12345");
            return m;
        }, false));

        await(() -> n2.scram.credential("alice", ScramMechanism.SCRAM_SHA_256) != null, "node 2 knows alice's credential");
        assertTrue(java.util.Arrays.equals(credential.storedKey(), n2.scram.credential("alice", ScramMechanism.SCRAM_SHA_256).storedKey()));
        await(() -> Map.of("producer_byte_rate", 1024.0).equals(n2.quotas.all().get(client)), "node 2 has the quota");
        await(() -> "12345".equals(n2.brokerConfig.current().originals().get("log.retention.ms")), "node 2 has the cluster default");
        await(() -> !retention.isEmpty(), "node 2's subscribers were told"); // after current() changed, on the listener thread
        assertEquals(List.of(12345L), retention, "its subscribers were told once");

        get(n2.scram.alter(List.of(ScramCredentialStore.Change.delete("alice", ScramMechanism.SCRAM_SHA_256))));
        await(() -> n1.scram.credential("alice", ScramMechanism.SCRAM_SHA_256) == null, "the deletion reaches node 1");
    }

    @Test
    void findCoordinatorAnswersTheQuorumLeadersBroker() throws Exception {
        ClusterNode n1 = new ClusterNode(1);
        ClusterNode n2 = new ClusterNode(2);
        for (int id = 1; id <= 2; id++) {
            get(n1.quorum.submit(new MetadataRecord.RegisterBroker(id, id, Map.of("PLAINTEXT", new HostPort("host" + id, 9090 + id)), null)));
        }
        ClusterInfo cluster = new ClusterInfo(2, "cluster", "host2", 9092);
        cluster.followQuorum(n2.quorum);
        FindCoordinatorHandler handler = new FindCoordinatorHandler(cluster, Authorization.NONE);
        FindCoordinatorRequest batched = HandlerCalls.request(ApiKeys.FIND_COORDINATOR, new FindCoordinatorRequestData()
                .setKeyType((byte) 0).setCoordinatorKeys(List.of("g1", "g2")), (short) 4);
        FindCoordinatorResponse answer = HandlerCalls.answer(handler, batched);
        answer.data().coordinators().forEach(c -> {
            assertEquals(Errors.NONE.code(), c.errorCode());
            assertEquals(1, c.nodeId());
            assertEquals("host1", c.host());
            assertEquals(9091, c.port());
        });
        failover(n1, n2);
        FindCoordinatorRequest v3 = HandlerCalls.request(ApiKeys.FIND_COORDINATOR, new FindCoordinatorRequestData().setKey("g")
                .setKeyType((byte) 1), (short) 3);
        FindCoordinatorResponse moved = HandlerCalls.answer(handler, v3);
        assertEquals(2, moved.data().nodeId());
        assertEquals(9092, moved.data().port());

        log.setLeader(-1);
        await(() -> !n2.coordinators.isActive(), "no node coordinates");
        FindCoordinatorResponse none = HandlerCalls.answer(handler, v3);
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), none.data().errorCode());
        log.setLeader(1);
        await(n1.coordinators::isActive, "node 1 coordinates again");
        assertEquals(null, cluster.coordinator(new ListenerName("SSL")), "the leader has no such listener");
        assertNotEquals(null, cluster.self(new ListenerName("PLAINTEXT")));
    }

    /**
     * The race of a failover: node 1 coordinates and proposes an offset commit, which reaches the log only after node 2
     * took over (Ratis forwards the old leader's proposal to the new one). The write is refused on every node: node 2's
     * coordinator (which loaded without it) and the tables agree, and node 1's client is not told success.
     */
    @Test
    void aWriteOfTheOldCoordinatorCommittedAfterAFailoverIsRefused() throws Exception {
        DelayedWrites delayed = new DelayedWrites();
        ClusterNode n1 = new ClusterNode(1, delayed::wrap);
        ClusterNode n2 = new ClusterNode(2);
        await(n1.coordinators::isActive, "node 1 coordinates");
        get(n1.coordinators.groups().commitOffsets("g", -1, "", null, Map.of(TP, new CommittedOffset(10, -1, "", 1000))));

        delayed.hold = true;
        CompletableFuture<Map<TopicPartition, Errors>> late = n1.coordinators.groups().commitOffsets("g", -1, "", null,
                Map.of(TP, new CommittedOffset(42, -1, "", 2000)));
        await(() -> !delayed.held.isEmpty(), "node 1 proposed the commit");
        failover(n1, n2);
        assertEquals(10, committed(n2.coordinators.groups(), "g").get(TP).offset());
        long epoch = log.image().coordinatorEpoch();

        delayed.release();
        Map<TopicPartition, Errors> answer;
        try {
            answer = get(late);
        } catch (java.util.concurrent.ExecutionException e) {
            answer = Map.of(TP, Errors.forException(e.getCause()));
        }
        assertEquals(Map.of(TP, Errors.NOT_COORDINATOR), answer, "the old coordinator's client is not told success");
        assertEquals(epoch, log.image().coordinatorEpoch());
        assertEquals(10, committed(n2.coordinators.groups(), "g").get(TP).offset(), "the new coordinator's view");
        failover(n2, n1);
        assertEquals(10, committed(n1.coordinators.groups(), "g").get(TP).offset(), "the tables never got it either");
    }

    /** A quorum node whose durable-map writes are held back (while {@link #hold}) until {@link #release}. */
    private static final class DelayedWrites {
        volatile boolean hold;
        final List<Runnable> held = new java.util.concurrent.CopyOnWriteArrayList<>();

        MetadataQuorum wrap(MetadataQuorum q) {
            return new MetadataQuorum() {
                @Override
                public io.kafkalite.cluster.MetadataImage image() {
                    return q.image();
                }

                @Override
                public CompletableFuture<ApplyResult> submit(MetadataRecord record) {
                    if (!hold || !(record instanceof MetadataRecord.DurableMapWrite)) {
                        return q.submit(record);
                    }
                    CompletableFuture<ApplyResult> result = new CompletableFuture<>();
                    held.add(() -> q.submit(record).whenComplete((r, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                        } else {
                            result.complete(r);
                        }
                    }));
                    return result;
                }

                @Override
                public void subscribe(java.util.function.Consumer<io.kafkalite.cluster.MetadataImage> listener) {
                    q.subscribe(listener);
                }

                @Override
                public void onLeadership(java.util.function.Consumer<Boolean> listener) {
                    q.onLeadership(listener);
                }

                @Override
                public int leaderId() {
                    return q.leaderId();
                }

                @Override
                public int nodeId() {
                    return q.nodeId();
                }

                @Override
                public QuorumInfo describe() {
                    return q.describe();
                }

                @Override
                public void close() {
                    q.close();
                }
            };
        }

        void release() {
            hold = false;
            held.forEach(Runnable::run);
        }
    }
}
