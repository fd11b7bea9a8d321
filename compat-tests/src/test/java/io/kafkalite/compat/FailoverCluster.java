package io.kafkalite.compat;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The cluster the failover tests share ({@link ReplicationFailoverTest}, {@link ClusterToolsTest}, {@link JepsenQueueTest}):
 * three broker processes that notice a dead node within seconds (broker session 3 s, heartbeats every 0.5 s, replica
 * lag 5 s), ready ({@link ClusterAdmin#awaitReady}) when {@link #start} returns.
 */
final class FailoverCluster implements AutoCloseable {
    private final ClusterProcesses processes;
    private final ClusterAdmin admin;

    private FailoverCluster(ClusterProcesses processes, ClusterAdmin admin) {
        this.processes = processes;
        this.admin = admin;
    }

    /** The processes with the failover settings; a test adds its own before {@link #start}. */
    static ClusterProcesses.Builder builder(String name, Path dataRoot) {
        return ClusterProcesses.builder(name, dataRoot).config("broker.session.timeout.ms", "3000")
                .config("broker.heartbeat.interval.ms", "500").config("replica.lag.time.max.ms", "5000");
    }

    /** Starts the processes and waits until the cluster is ready; stops them again if it never is. */
    static FailoverCluster start(ClusterProcesses.Builder builder) throws Exception {
        ClusterProcesses processes = builder.start();
        ClusterAdmin admin = null;
        try {
            admin = new ClusterAdmin(processes);
            admin.awaitReady(Duration.ofSeconds(90));
            return new FailoverCluster(processes, admin);
        } catch (Exception | Error e) {
            if (admin != null) {
                admin.close();
            }
            processes.close();
            throw e;
        }
    }

    ClusterProcesses processes() {
        return processes;
    }

    ClusterAdmin admin() {
        return admin;
    }

    @Override
    public void close() {
        admin.close();
        processes.close();
    }
}
