package io.kafkalite.cluster;

import io.kafkalite.logstore.DurableMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster metadata replicated by an Apache Ratis group of the voters ({@code controller.quorum.voters}): this
 * node's Ratis server (on the CONTROLLER listener's address, its log in {@link QuorumConfig#metadataDir()}), the
 * {@link MetadataStateMachine} holding the image, and the {@link Proposer} through which this node proposes records.
 * A broker-only node ({@code process.roles=broker}) runs the same server as a Ratis listener: it receives the committed
 * log and snapshots and applies them like a voter, but neither votes nor counts for the commit ({@link ListenerJoin}).
 */
public final class RatisMetadataQuorum implements MetadataQuorum {
    private static final Logger log = LoggerFactory.getLogger(RatisMetadataQuorum.class);
    /** The one Ratis group of the cluster metadata; fixed, so every node finds its storage under the same name. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("kafkalite-metadata".getBytes(StandardCharsets.UTF_8)));
    static final long DESCRIBE_TIMEOUT_MS = 2000;

    private final QuorumConfig config;
    private final RaftServer server;
    private final RaftServer.Division division;
    private final Proposer proposer;
    private final MetadataStateMachine stateMachine;
    private volatile ListenerJoin joiner; // a broker-only node's request to be a listener of the group

    private RatisMetadataQuorum(QuorumConfig config, RaftServer server, RaftGroup group, MetadataStateMachine stateMachine)
            throws IOException {
        this.config = config;
        this.server = server;
        this.division = server.getDivision(GROUP_ID);
        this.proposer = new Proposer(group, stateMachine);
        this.stateMachine = stateMachine;
    }

    /**
     * Starts this node's Ratis server (recovering its log and latest snapshot, or formatting an empty directory) and
     * returns at once: a leader is elected in the background. {@code maps} opens this node's local durable map of a
     * name ({@link MetadataRecord.DurableMapWrite}s are applied to it). Once a leader is ready and the cluster has no
     * id yet, the leader proposes {@link MetadataRecord.InitCluster} with {@link QuorumConfig#clusterId()}.
     */
    public static RatisMetadataQuorum start(QuorumConfig config, Function<String, DurableMap> maps) throws IOException {
        List<RaftPeer> voters = new ArrayList<>();
        config.voters().forEach((id, address) -> voters.add(RaftPeer.newBuilder().setId(peerId(id))
                .setAddress(address.host() + ":" + address.port()).build()));
        RaftGroup group = RaftGroup.valueOf(GROUP_ID, voters);
        int port = config.controllerBind().port();
        RaftPeer self = null;
        RaftGroup serverGroup = group;
        if (!config.isVoter()) { // a broker-only node: a listener from its first start on, so it never stands for election
            port = ListenerPort.load(config.metadataDir());
            self = RaftPeer.newBuilder().setId(peerId(config.nodeId())).setAddress(config.controllerBind().host() + ":" + port)
                    .setStartupRole(RaftPeerRole.LISTENER).build();
            List<RaftPeer> all = new ArrayList<>(voters);
            all.add(self);
            serverGroup = RaftGroup.valueOf(GROUP_ID, all);
        }
        MetadataStateMachine stateMachine = new MetadataStateMachine(maps);
        RaftServer server = RaftServer.newBuilder()
                .setServerId(peerId(config.nodeId()))
                .setGroup(serverGroup)
                .setProperties(RatisProperties.server(config, port))
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        try {
            server.start();
            RatisMetadataQuorum quorum = new RatisMetadataQuorum(config, server, group, stateMachine);
            stateMachine.setDescriber(quorum::describeLocally);
            stateMachine.setListenerPeers(() -> QuorumQuery.encodePeers(quorum.division.getRaftConf().getAllPeers(RaftPeerRole.LISTENER)));
            stateMachine.onLeadership(leader -> {
                if (leader) {
                    quorum.proposeClusterId();
                    quorum.proposeMinInsyncDefault();
                }
            });
            quorum.proposeClusterId(); // in case it became ready before the listener was there
            quorum.proposeMinInsyncDefault();
            if (self != null) {
                quorum.joiner = ListenerJoin.start(quorum.proposer, group, self);
            }
            log.info("Node {} started the cluster metadata quorum on {}:{} as a {} of voters {}, storage {}", config.nodeId(),
                    config.controllerBind().host(), port, self == null ? "voter" : "listener", config.voters(), config.metadataDir());
            return quorum;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The leader gives a new cluster its id (InitCluster, the first record), trying again while it leads and none is set. */
    private void proposeClusterId() {
        if (!stateMachine.isLeaderReady() || image().clusterId() != null) {
            return;
        }
        submit(new MetadataRecord.InitCluster(config.clusterId())).whenComplete((r, e) -> {
            if (e != null) {
                log.warn("Could not agree on cluster id {} (trying again while this node leads): {}", config.clusterId(), e.toString());
                proposeClusterId();
            }
        });
    }

    /** The leader makes its min.insync.replicas the cluster default (for the ELR rules) when the image holds another. */
    private void proposeMinInsyncDefault() {
        if (!stateMachine.isLeaderReady() || image().minInsyncReplicas() == config.minInsyncReplicas()) {
            return;
        }
        submit(new MetadataRecord.MinInsyncReplicasDefault(config.minInsyncReplicas())).whenComplete((r, e) -> {
            if (e != null) {
                log.warn("Could not set the default min.insync.replicas to {}: {}", config.minInsyncReplicas(), e.toString());
            }
        });
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(Integer.toString(nodeId));
    }

    @Override
    public MetadataImage image() {
        return stateMachine.image();
    }

    @Override
    public CompletableFuture<ApplyResult> submit(MetadataRecord record) {
        return proposer.submit(record);
    }

    /** Sends a heartbeat to the quorum leader; completes with the index the leader's image has applied. */
    CompletableFuture<Long> heartbeat(int brokerId, long incarnation) {
        Message m = Message.valueOf(UnsafeByteOperations.unsafeWrap(QuorumQuery.heartbeat(brokerId, incarnation)));
        return proposer.client().async().sendReadOnly(m).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(Proposer.translate(reply.getException()));
            }
            return QuorumQuery.decodeLong(reply.getMessage().getContent().toByteArray());
        });
    }

    /** On the leader: called with every broker heartbeat it receives (on a Ratis thread: keep it short). */
    void onHeartbeat(MetadataStateMachine.HeartbeatListener listener) {
        stateMachine.setHeartbeatListener(listener);
    }

    /**
     * Told {@code true} when this node became the quorum leader with every record of earlier terms applied here (the
     * time for the coordinators to load their state), {@code false} when it stopped leading. On a Ratis thread.
     */
    @Override
    public void onLeadership(Consumer<Boolean> listener) {
        stateMachine.onLeadership(listener);
    }

    /** Whether this node leads and has applied everything committed before its term. */
    public boolean isLeaderReady() {
        return stateMachine.isLeaderReady();
    }

    @Override
    public void subscribe(Consumer<MetadataImage> listener) {
        stateMachine.subscribe(listener);
    }

    @Override
    public int leaderId() {
        RaftPeerId leader = division.getInfo().getLeaderId();
        return leader == null ? -1 : Integer.parseInt(leader.toString());
    }

    /** Whether this node follows the group as a Ratis listener (a broker-only node). */
    boolean isListener() {
        return division.getInfo().isListener();
    }

    @Override
    public int nodeId() {
        return config.nodeId();
    }

    /**
     * DescribeQuorum: every voter's progress as the leader sees it (its commit index as the leader last heard it, the
     * time of its last append-entries exchange). A node that does not lead asks the leader (a read-only query, at most
     * {@link #DESCRIBE_TIMEOUT_MS}: the caller's thread waits); without an answer it tells what it knows itself.
     */
    @Override
    public QuorumInfo describe() {
        if (division.getInfo().isLeader()) {
            return describeLocally();
        }
        try {
            RaftClientReply reply = proposer.client().async().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(QuorumQuery.describe())))
                    .get(DESCRIBE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (reply.isSuccess()) {
                return QuorumQuery.decodeInfo(reply.getMessage().getContent().toByteArray());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.debug("DescribeQuorum not answered by the leader: {}", e.toString());
        }
        return describeLocally();
    }

    /** What this node knows: everything when it leads, else the leader, the term and its own progress. */
    private QuorumInfo describeLocally() {
        DivisionInfo info = division.getInfo();
        long now = System.currentTimeMillis();
        long commitIndex = division.getRaftLog().getLastCommittedIndex();
        Map<RaftPeerId, Long> commits = new HashMap<>();
        for (CommitInfoProto c : division.getCommitInfos()) {
            commits.put(RaftPeerId.valueOf(c.getServer().getId()), c.getCommitIndex());
        }
        Map<RaftPeerId, Long> lastContact = new HashMap<>();
        RoleInfoProto role = info.getRoleInfoProto();
        if (role.hasLeaderInfo()) {
            for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
                lastContact.put(RaftPeerId.valueOf(f.getId().getId()), now - f.getLastRpcElapsedTimeMs());
            }
        }
        List<ReplicaProgress> voters = new ArrayList<>();
        for (int id : config.voters().keySet()) {
            voters.add(progress(id, info.isLeader(), commitIndex, commits, lastContact, now));
        }
        List<ReplicaProgress> observers = new ArrayList<>(); // the listeners (broker-only nodes), as the leader sees them
        if (info.isLeader()) {
            for (RaftPeer listener : division.getRaftConf().getAllPeers(RaftPeerRole.LISTENER)) {
                observers.add(progress(Integer.parseInt(listener.getId().toString()), true, commitIndex, commits, lastContact, now));
            }
        }
        return new QuorumInfo(leaderId(), info.getCurrentTerm(), commitIndex, voters, observers);
    }

    private ReplicaProgress progress(int id, boolean leader, long commitIndex, Map<RaftPeerId, Long> commits,
                                     Map<RaftPeerId, Long> lastContact, long now) {
        if (id == config.nodeId()) {
            return new ReplicaProgress(id, division.getRaftLog().getNextIndex(), now, now);
        }
        if (!leader) {
            return new ReplicaProgress(id, -1, -1, -1);
        }
        RaftPeerId peer = peerId(id);
        long end = commits.getOrDefault(peer, -1L);
        long fetch = lastContact.getOrDefault(peer, -1L);
        return new ReplicaProgress(id, end, fetch, end >= commitIndex ? fetch : -1);
    }

    @Override
    public void close() {
        ListenerJoin j = joiner;
        if (j != null) {
            j.close();
        }
        proposer.close();
        try {
            server.close();
        } catch (IOException e) {
            log.warn("Closing the metadata quorum server: {}", e.toString());
        }
    }
}
