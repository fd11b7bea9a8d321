package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;

/** Builds the registry of every API this broker serves. */
public final class Handlers {
    private Handlers() { }

    public static HandlerRegistry create(LogStore store, ClusterInfo cluster, BrokerConfig config) {
        HandlerRegistry registry = new HandlerRegistry();
        return registry
                .register(new ApiVersionsHandler(registry))
                .register(new MetadataHandler(store, cluster, config))
                .register(new ProduceHandler(store))
                .register(new FetchHandler(store))
                .register(new ListOffsetsHandler(store))
                .register(new CreateTopicsHandler(store, cluster, config))
                .register(new CreatePartitionsHandler(store, cluster))
                .register(new DeleteTopicsHandler(store, config))
                .register(new DescribeClusterHandler(cluster))
                .register(new DescribeConfigsHandler(store, cluster, config))
                .register(new InitProducerIdHandler(store));
    }
}
