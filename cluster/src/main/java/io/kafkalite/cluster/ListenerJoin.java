package io.kafkalite.cluster;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker-only node asks the quorum's leader to add it to the group as a listener (a configuration change of mode
 * ADD, on a thread of its own, retried until it succeeds: no leader yet, another change in progress). Once added, the
 * leader sends it the log (or a snapshot) and every commit. On every start, since it is harmless: a node already in
 * the configuration changes nothing.
 */
final class ListenerJoin implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerJoin.class);
    private static final long RETRY_MS = 1000;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metadata-listener-join");
        t.setDaemon(true);
        return t;
    });
    private ListenerJoin() { }

    static ListenerJoin start(Proposer proposer, RaftPeer self) {
        ListenerJoin join = new ListenerJoin();
        join.thread.execute(() -> join.run(proposer, self));
        return join;
    }

    private void run(Proposer proposer, RaftPeer self) {
        SetConfigurationRequest.Arguments add = SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(List.of()).setListenersInNewConf(List.of(self))
                .setMode(SetConfigurationRequest.Mode.ADD).build();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                RaftClientReply reply = proposer.client().admin().setConfiguration(add);
                if (reply.isSuccess()) {
                    log.info("Node {} is a listener of the metadata quorum at {}", self.getId(), self.getAddress());
                    return;
                }
                log.info("Joining the metadata quorum as a listener not done yet (retrying): {}", reply.getException());
            } catch (IOException | RuntimeException e) {
                log.info("Joining the metadata quorum as a listener not done yet (retrying): {}", e.toString());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(RETRY_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
