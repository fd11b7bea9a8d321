package io.kafkalite.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker-only node asks the quorum's leader to add it to the group as a listener (on a thread of its own, once a
 * second until it is in: no leader yet, another change in progress). Once added, the leader sends it the log (or a
 * snapshot) and every commit. The change is a compare-and-set of the whole configuration (the voters, and the
 * listeners the leader names when asked ({@link QuorumQuery#LISTENERS}) plus this node): Ratis 3.1.3's ADD mode keeps
 * the voters but drops the listeners already there. A node already in the configuration at this address changes nothing.
 */
final class ListenerJoin implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerJoin.class);
    private static final long RETRY_MS = 1000;
    private static final long QUERY_TIMEOUT_MS = 5000;

    private final Proposer proposer;
    private final RaftGroup voters;
    private final RaftPeer self;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metadata-listener-join");
        t.setDaemon(true);
        return t;
    });

    private ListenerJoin(Proposer proposer, RaftGroup voters, RaftPeer self) {
        this.proposer = proposer;
        this.voters = voters;
        this.self = self;
    }

    static ListenerJoin start(Proposer proposer, RaftGroup voters, RaftPeer self) {
        ListenerJoin join = new ListenerJoin(proposer, voters, self);
        join.thread.execute(join::run);
        return join;
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (join()) {
                    log.info("Node {} is a listener of the metadata quorum at {}", self.getId(), self.getAddress());
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                log.info("Joining the metadata quorum as a listener not done yet (retrying): {}", e.toString());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(RETRY_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One attempt: true once the leader's configuration has this node as a listener at its address. */
    private boolean join() throws Exception {
        List<RaftPeer> listeners = leaderListeners();
        if (listeners.stream().anyMatch(p -> p.getId().equals(self.getId()) && p.getAddress().equals(self.getAddress()))) {
            return true;
        }
        List<RaftPeer> next = new ArrayList<>(listeners.stream().filter(p -> !p.getId().equals(self.getId())).toList());
        next.add(self);
        List<RaftPeer> servers = List.copyOf(voters.getPeers());
        RaftClientReply reply = proposer.client().admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                .setServersInCurrentConf(servers).setListenersInCurrentConf(listeners)
                .setServersInNewConf(servers).setListenersInNewConf(next)
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build());
        if (!reply.isSuccess()) {
            log.info("Joining the metadata quorum as a listener not done yet (retrying): {}", reply.getException());
        }
        return reply.isSuccess();
    }

    private List<RaftPeer> leaderListeners() throws InterruptedException, ExecutionException, TimeoutException {
        RaftClientReply reply = proposer.client().async().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(QuorumQuery.listeners())))
                .get(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (!reply.isSuccess()) {
            throw Proposer.translate(reply.getException());
        }
        return QuorumQuery.decodePeers(reply.getMessage().getContent().toString(StandardCharsets.UTF_8), RaftPeerRole.LISTENER);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
