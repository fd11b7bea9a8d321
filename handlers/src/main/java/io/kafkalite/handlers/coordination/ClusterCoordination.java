package io.kafkalite.handlers.coordination;

import io.kafkalite.acl.AclAuthorizer;
import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TransactionConfig;
import io.kafkalite.handlers.ClusterInfo;
import io.kafkalite.handlers.DynamicBrokerConfig;
import io.kafkalite.handlers.Handlers;
import io.kafkalite.handlers.TransactionMarkerWriter;
import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.handlers.replication.InterBrokerSecurity;
import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.server.authorizer.Authorizer;

/**
 * A cluster node's coordination, wired in one place: the coordinators (active while this node holds the
 * {@link CoordinatorSeat}: on combined nodes, while it leads the quorum),
 * cluster-wide producer ids, transaction markers and verification across brokers, FindCoordinator's answer, and the
 * replicated tables of the other broker state with their in-memory views kept current. A single broker has none of
 * this: it uses {@link Coordinators#of} and its own tables.
 *
 * <pre>
 * ReplicatedTables tables = new ReplicatedTables(store::durableMap);   // tables::local goes to the quorum's state machine
 * DynamicBrokerConfig.load(config, tables.metadataMap("broker_configs")); ...     // loaded before the quorum runs
 * MetadataQuorum quorum = ...start(config, tables::local);
 * ClusterCoordination coordination = ClusterCoordination.start(quorum, tables, store, replicas, props, cluster, interBroker);
 * ... coordination.coordinators() to Handlers.create; coordination.follow(authorizer, scram, quotas, dynamicConfig);
 * </pre>
 */
public final class ClusterCoordination implements AutoCloseable {
    /** How long InitProducerId waits for a producer id block from the quorum before answering COORDINATOR_NOT_AVAILABLE. */
    static final long PRODUCER_ID_TIMEOUT_MS = 10_000;

    private final MetadataQuorum quorum;
    private final ReplicatedTables tables;
    private final Coordinators coordinators;
    private final RemoteTransactionCoordinator remote;
    private final ClusterTransactionMarkers markers;
    private final CoordinatorFailover failover;
    private Set<String> topics = Set.of(); // on the quorum's apply thread only

    private ClusterCoordination(MetadataQuorum quorum, CoordinatorSeat seat, ReplicatedTables tables, LogStore store, ReplicaManager replicas,
                                Map<String, String> props, ClusterInfo cluster, InterBrokerSecurity interBroker) {
        this.quorum = quorum;
        this.tables = tables;
        tables.attach(quorum, seat::isHere);
        QuorumProducerIds producerIds = new QuorumProducerIds(quorum, PRODUCER_ID_TIMEOUT_MS);
        this.coordinators = new Coordinators(producerIds);
        this.remote = new RemoteTransactionCoordinator(quorum, seat::holder, interBroker);
        coordinators.remote(remote);
        this.markers = new ClusterTransactionMarkers(quorum, new TransactionMarkerWriter(store, replicas), interBroker);
        cluster.followQuorum(quorum);
        cluster.coordinatorAt(seat::holder); // FindCoordinator answers the seat holder's broker
        this.failover = CoordinatorFailover.start(quorum, seat, tables, coordinators, new CoordinatorFailover.Settings(GroupConfig.from(props),
                TransactionConfig.from(props), Handlers.topicsView(store), markers), producerIds);
        quorum.subscribe(this::dropOffsetsOfDeletedTopics);
    }

    /**
     * @param tables              the node's tables, whose {@link ReplicatedTables#local} the quorum's state machine applies to
     * @param replicas            the leader side of replication: markers written here wait for the ISR (null: they do not)
     * @param props               the broker's properties (group and transaction settings)
     * @param interBroker         the inter-broker listener, where markers and verifications reach other brokers
     */
    public static ClusterCoordination start(MetadataQuorum quorum, ReplicatedTables tables, LogStore store, ReplicaManager replicas,
                                            Map<String, String> props, ClusterInfo cluster, InterBrokerSecurity interBroker) {
        return start(quorum, CoordinatorSeat.quorumLeader(quorum), tables, store, replicas, props, cluster, interBroker);
    }

    /** @param seat where the coordinators run: {@link CoordinatorSeat#fromImage} on a broker-only node */
    public static ClusterCoordination start(MetadataQuorum quorum, CoordinatorSeat seat, ReplicatedTables tables, LogStore store,
                                            ReplicaManager replicas, Map<String, String> props, ClusterInfo cluster,
                                            InterBrokerSecurity interBroker) {
        return new ClusterCoordination(quorum, seat, tables, store, replicas, props, cluster, interBroker);
    }

    /** What the handlers call; active while this node leads the quorum. */
    public Coordinators coordinators() {
        return coordinators;
    }

    /** A replicated table of other broker state: {@code acls}, {@code scram_credentials}, {@code client_quotas}, {@code broker_configs}. */
    public DurableMap table(String name) {
        return tables.metadataMap(name);
    }

    /** Keeps these in-memory views current with the changes other nodes make (each may be null). */
    public void follow(Authorizer authorizer, ScramCredentialStore scram, ClientQuotaStore quotas, DynamicBrokerConfig dynamicConfig) {
        if (authorizer instanceof AclAuthorizer acls) {
            tables.onChange("acls", acls::reload);
        }
        if (scram != null) {
            tables.onChange("scram_credentials", scram::reload);
        }
        if (quotas != null) {
            tables.onChange("client_quotas", quotas::reload);
        }
        if (dynamicConfig != null) {
            tables.onChange("broker_configs", dynamicConfig::reload);
        }
    }

    /**
     * A topic gone from the image takes its committed offsets along (on the coordinator, which writes the deletion).
     * Records apply one at a time and only DeleteTopic shrinks the topics, so most records cost one size comparison.
     */
    private void dropOffsetsOfDeletedTopics(MetadataImage image) {
        Set<String> now = image.topics().keySet(); // of an immutable image: kept without a copy
        GroupCoordinator groups = coordinators.groupsIfActive();
        if (now.size() < topics.size() && groups != null) {
            for (String topic : topics) {
                if (!now.contains(topic)) {
                    groups.onTopicDeleted(topic);
                }
            }
        }
        topics = now;
    }

    @Override
    public void close() {
        failover.close();
        markers.close();
        remote.close();
        tables.close();
    }
}
