package io.kafkalite.cluster;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis settings of the metadata quorum: the gRPC transport (one port, the controller listener's, for the
 * servers' and the clients' traffic). Timeouts suit a few nodes on one network: a follower that hears nothing
 * from the leader for 1-2 s starts an election, so a failover takes a few seconds, well inside the brokers' 9 s
 * session timeout.
 */
final class RatisProperties {
    /** Entries between two snapshots; Ratis then purges the log before the snapshot. */
    static final long SNAPSHOT_THRESHOLD = 10_000;

    private RatisProperties() { }

    /** @param port the controller listener's port; a broker-only node's listener port (it binds every interface) */
    static RaftProperties server(QuorumConfig config, int port) {
        RaftProperties p = common();
        String host = config.isVoter() ? config.controllerBind().host() : "";
        GrpcConfigKeys.Server.setHost(p, host.isEmpty() ? "0.0.0.0" : host);
        GrpcConfigKeys.Server.setPort(p, port);
        RaftServerConfigKeys.setStorageDir(p, List.of(config.metadataDir().toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, ms(1000));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, ms(2000));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, ms(3000));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, SNAPSHOT_THRESHOLD);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        return p;
    }

    static RaftProperties client() {
        RaftProperties p = common();
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, ms(3000));
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, Proposer.MAX_MESSAGES_IN_FLIGHT + 100); // heartbeats, describes too
        // no probe request to find the leader first: it logs an ERROR per attempt while there is none (start-up)
        RaftClientConfigKeys.Async.Experimental.setSendDummyRequest(p, false);
        return p;
    }

    /** Enough attempts to ride out an election; the proposer's own timeout bounds the total. */
    static RetryPolicy clientRetryPolicy() {
        return RetryPolicies.retryUpToMaximumCountWithFixedSleep(100, ms(100));
    }

    private static RaftProperties common() {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        return p;
    }

    static TimeDuration ms(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }
}
