package io.kafkalite.handlers;

import io.kafkalite.acl.SaslMechanisms;
import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.handlers.metrics.BrokerMetrics;
import io.kafkalite.groups.TopicsView;
import io.kafkalite.handlers.quota.ClientQuotaStore;
import io.kafkalite.handlers.quota.ClientQuotas;
import io.kafkalite.handlers.replication.ReplicaManager;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** Builds the registry of every API this broker serves. */
public final class Handlers {
    private Handlers() { }

    private static final AtomicBoolean PROTOCOL_PRELOADING = new AtomicBoolean();

    /**
     * Starts initializing kafka-clients' protocol tables (every API's request schemas, every error and its
     * exception: some 700 classes) on a thread of its own and returns at once, so that the registry finds them
     * ready: 70 ms of a start with the class-data-sharing archive, 200 ms without, that the starting thread would
     * otherwise spend before it can listen. Optional, and only the first call does anything; class initialization
     * is thread-safe, whichever thread comes first does it.
     */
    public static void preloadProtocol() {
        if (PROTOCOL_PRELOADING.getAndSet(true)) {
            return;
        }
        Thread loader = new Thread(() -> {
            ApiKeys.values();
            Errors.values();
        }, "protocol-preload");
        loader.setDaemon(true);
        loader.start();
    }

    /** The name of the topic with id {@code id}, null if there is none (for the authorizer, which knows names). */
    static String topicName(LogStore store, Uuid id) {
        Topic t = id == null ? null : store.topic(id);
        return t == null ? null : t.name();
    }

    /** The log store's topics as the group coordinator sees them. */
    public static TopicsView topicsView(LogStore store) {
        return new TopicsView() {
            @Override
            public int partitions(String topic) {
                Topic t = store.topic(topic);
                return t == null ? -1 : t.partitions();
            }

            @Override
            public Uuid topicId(String topic) {
                Topic t = store.topic(topic);
                return t == null ? null : t.id();
            }

            @Override
            public String topicName(Uuid id) {
                Topic t = store.topic(id);
                return t == null ? null : t.name();
            }

            @Override
            public Collection<String> topicNames() {
                return store.topics().stream().map(Topic::name).toList();
            }
        };
    }

    /**
     * @param saslMechanisms   the mechanisms of each SASL listener (listeners without SASL have none)
     * @param scramCredentials the users' SCRAM credentials (SCRAM authentication and their management APIs)
     * @param requestHandlers the request-handler pool ({@code num.io.threads}) that runs the handlers, so the
     *                        network threads never wait on the disk; reads of parked fetches run there too
     * @param authorization   the authorizer ({@code authorizer.class.name}), or {@link Authorization#NONE}
     * @param dynamicConfig   the broker's config as changed at run time (DescribeConfigs, Alter*Configs of BROKER)
     * @param coordinators    the group and transaction coordinators (in a cluster: active on the quorum leader's broker only)
     * @param clientQuotas    the {@code client_quotas} table (in a cluster: replicated through the quorum)
     * @param quorum          cluster mode: the cluster metadata that topic and cluster APIs read and change; null on one broker
     * @param replicas        cluster mode: the leader side of data replication; null on one broker
     */
    public static HandlerRegistry create(LogStore store, ClusterInfo cluster, BrokerConfig config, Coordinators coordinators,
                                         Map<ListenerName, SaslMechanisms> saslMechanisms,
                                         ScramCredentialStore scramCredentials, Executor requestHandlers, Authorization authorization,
                                         DynamicBrokerConfig dynamicConfig, ClientQuotaStore clientQuotas, MetadataQuorum quorum,
                                         ReplicaManager replicas) {
        HandlerRegistry registry = new HandlerRegistry(requestHandlers, new BrokerMetrics(store, coordinators,
                (Integer) config.value(BrokerMetrics.LAG_MAX_PARTITIONS)));
        ClientQuotas quotas = new ClientQuotas(clientQuotas,
                (Integer) config.value("quota.window.num"), (Integer) config.value("quota.window.size.seconds"));
        registry
                .register(new ApiVersionsHandler(registry))
                .register(new MetadataHandler(store, cluster, config, authorization))
                .register(new ThrottledProduceHandler(new ProduceHandler(store, coordinators, requestHandlers, authorization, replicas), quotas))
                .register(new ThrottledFetchHandler(new FetchHandler(store, requestHandlers, authorization,
                        (Integer) config.value(BrokerConfig.MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS), replicas), quotas))
                .register(new ListOffsetsHandler(store, authorization, replicas))
                .register(new CreateTopicsHandler(store, cluster, dynamicConfig, authorization))
                .register(new CreatePartitionsHandler(store, cluster, authorization))
                .register(new DeleteTopicsHandler(store, config, coordinators, authorization))
                .register(new DescribeClusterHandler(cluster, authorization))
                .register(new DescribeConfigsHandler(store, cluster, dynamicConfig, authorization))
                .register(new InitProducerIdHandler(coordinators, authorization))
                .register(new DeleteRecordsHandler(store, authorization, replicas))
                .register(new IncrementalAlterConfigsHandler(store, dynamicConfig, authorization, quorum))
                .register(new AlterConfigsHandler(store, dynamicConfig, authorization, quorum))
                .register(new FindCoordinatorHandler(cluster, authorization))
                .register(new JoinGroupHandler(coordinators, authorization))
                .register(new SyncGroupHandler(coordinators, authorization))
                .register(new HeartbeatHandler(coordinators, authorization))
                .register(new LeaveGroupHandler(coordinators, authorization))
                .register(new OffsetCommitHandler(store, coordinators, authorization))
                .register(new OffsetFetchHandler(store, coordinators, authorization))
                .register(new DescribeGroupsHandler(coordinators, authorization))
                .register(new ListGroupsHandler(coordinators, authorization))
                .register(new DeleteGroupsHandler(coordinators, authorization))
                .register(new OffsetDeleteHandler(coordinators, authorization))
                .register(new ConsumerGroupHeartbeatHandler(coordinators, authorization))
                .register(new ConsumerGroupDescribeHandler(coordinators, authorization))
                .register(new AddPartitionsToTxnHandler(store, coordinators, authorization))
                .register(new AddOffsetsToTxnHandler(coordinators, authorization))
                .register(new TxnOffsetCommitHandler(store, coordinators, authorization))
                .register(new EndTxnHandler(coordinators, authorization))
                .register(new WriteTxnMarkersHandler(store, authorization, replicas))
                .register(new DescribeTransactionsHandler(coordinators, authorization))
                .register(new ListTransactionsHandler(coordinators, authorization))
                .register(new DescribeProducersHandler(store, authorization))
                .register(new CreateAclsHandler(authorization))
                .register(new DescribeAclsHandler(authorization))
                .register(new DeleteAclsHandler(authorization))
                .register(new SaslHandshakeHandler(saslMechanisms))
                .register(new SaslAuthenticateHandler(saslMechanisms))
                .register(new AlterUserScramCredentialsHandler(scramCredentials, authorization))
                .register(new DescribeUserScramCredentialsHandler(scramCredentials, authorization))
                .register(new DescribeClientQuotasHandler(quotas.store(), authorization))
                .register(new AlterClientQuotasHandler(quotas.store(), authorization))
                .register(new DescribeLogDirsHandler(store, authorization))
                .register(new OffsetForLeaderEpochHandler(store, authorization, replicas))
                .register(new DescribeTopicPartitionsHandler(store, cluster, config, authorization, quorum))
                .register(new ElectLeadersHandler(store, authorization))
                .register(new AlterPartitionReassignmentsHandler(store, cluster, authorization))
                .register(new ListPartitionReassignmentsHandler(authorization));
        if (quorum != null) {
            registerClusterMode(registry, quorum, cluster, config, dynamicConfig, authorization);
        }
        return registry;
    }

    /** Cluster mode: the topic and cluster APIs that answer from, and change through, the cluster metadata. */
    private static void registerClusterMode(HandlerRegistry registry, MetadataQuorum quorum, ClusterInfo cluster, BrokerConfig config,
                                            DynamicBrokerConfig dynamicConfig, Authorization authorization) {
        ReplicaPlacer placer = new ReplicaPlacer();
        ClusterTopicCreator creator = new ClusterTopicCreator(quorum, dynamicConfig.current(), placer);
        registry.register(new ClusterMetadataHandler(quorum, cluster, config, creator, authorization))
                .register(new ClusterCreateTopicsHandler(quorum, creator, dynamicConfig, authorization))
                .register(new ClusterCreatePartitionsHandler(quorum, placer, authorization))
                .register(new ClusterDeleteTopicsHandler(quorum, config, authorization))
                .register(new ClusterElectLeadersHandler(quorum, authorization))
                .register(new ClusterAlterPartitionReassignmentsHandler(quorum, authorization))
                .register(new ClusterListPartitionReassignmentsHandler(quorum, authorization))
                .register(new DescribeQuorumHandler(quorum, cluster, authorization));
    }
}
