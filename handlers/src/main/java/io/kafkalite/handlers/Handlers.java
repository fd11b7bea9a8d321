package io.kafkalite.handlers;

import io.kafkalite.acl.SaslMechanisms;
import io.kafkalite.acl.ScramCredentialStore;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TopicsView;
import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.network.ListenerName;

/** Builds the registry of every API this broker serves. */
public final class Handlers {
    private Handlers() { }

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
     */
    public static HandlerRegistry create(LogStore store, ClusterInfo cluster, BrokerConfig config, GroupCoordinator groups,
                                         TransactionCoordinator transactions, Map<ListenerName, SaslMechanisms> saslMechanisms,
                                         ScramCredentialStore scramCredentials, Executor requestHandlers, Authorization authorization) {
        HandlerRegistry registry = new HandlerRegistry(requestHandlers);
        return registry
                .register(new ApiVersionsHandler(registry))
                .register(new MetadataHandler(store, cluster, config))
                .register(new ProduceHandler(store, transactions, requestHandlers))
                .register(new FetchHandler(store, requestHandlers))
                .register(new ListOffsetsHandler(store))
                .register(new CreateTopicsHandler(store, cluster, config))
                .register(new CreatePartitionsHandler(store, cluster))
                .register(new DeleteTopicsHandler(store, config, groups))
                .register(new DescribeClusterHandler(cluster))
                .register(new DescribeConfigsHandler(store, cluster, config))
                .register(new InitProducerIdHandler(store, transactions))
                .register(new DeleteRecordsHandler(store))
                .register(new IncrementalAlterConfigsHandler(store))
                .register(new AlterConfigsHandler(store))
                .register(new FindCoordinatorHandler(cluster))
                .register(new JoinGroupHandler(groups))
                .register(new SyncGroupHandler(groups))
                .register(new HeartbeatHandler(groups))
                .register(new LeaveGroupHandler(groups))
                .register(new OffsetCommitHandler(store, groups))
                .register(new OffsetFetchHandler(store, groups))
                .register(new DescribeGroupsHandler(groups))
                .register(new ListGroupsHandler(groups))
                .register(new DeleteGroupsHandler(groups))
                .register(new OffsetDeleteHandler(groups))
                .register(new ConsumerGroupHeartbeatHandler(groups))
                .register(new ConsumerGroupDescribeHandler(groups))
                .register(new AddPartitionsToTxnHandler(store, transactions))
                .register(new AddOffsetsToTxnHandler(transactions))
                .register(new TxnOffsetCommitHandler(store, groups, transactions))
                .register(new EndTxnHandler(transactions))
                .register(new WriteTxnMarkersHandler(store))
                .register(new DescribeTransactionsHandler(transactions))
                .register(new ListTransactionsHandler(transactions))
                .register(new DescribeProducersHandler(store))
                .register(new CreateAclsHandler(authorization))
                .register(new DescribeAclsHandler(authorization))
                .register(new DeleteAclsHandler(authorization))
                .register(new SaslHandshakeHandler(saslMechanisms))
                .register(new SaslAuthenticateHandler(saslMechanisms))
                .register(new AlterUserScramCredentialsHandler(scramCredentials, authorization))
                .register(new DescribeUserScramCredentialsHandler(scramCredentials, authorization));
    }
}
