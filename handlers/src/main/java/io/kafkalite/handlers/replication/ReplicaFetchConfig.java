package io.kafkalite.handlers.replication;

import io.kafkalite.handlers.BrokerConfig;
import org.apache.kafka.common.config.ConfigException;

/** The {@code replica.*} settings of the fetcher threads, read once from the broker config. */
record ReplicaFetchConfig(int fetchersPerBroker, int partitionMaxBytes, int responseMaxBytes, int maxWaitMs, int minBytes,
                          int backoffMs, int socketTimeoutMs, int receiveBufferBytes, int connectTimeoutMs, int maxResponseFrameBytes) {

    /** The fetchers' connection limits: {@code replica.socket.*}, the connection setup timeout, {@code socket.request.max.bytes}. */
    InterBrokerClient.Limits clientLimits() {
        return new InterBrokerClient.Limits(connectTimeoutMs, socketTimeoutMs, receiveBufferBytes, maxResponseFrameBytes);
    }

    static ReplicaFetchConfig from(BrokerConfig config) {
        int wait = (Integer) config.value("replica.fetch.wait.max.ms");
        int socketTimeout = (Integer) config.value("replica.socket.timeout.ms");
        if (socketTimeout < wait) { // as Kafka: else every long poll would time out
            throw new ConfigException("replica.socket.timeout.ms (" + socketTimeout + ") must be at least replica.fetch.wait.max.ms ("
                    + wait + ")");
        }
        return new ReplicaFetchConfig(Math.max(1, (Integer) config.value("num.replica.fetchers")),
                (Integer) config.value("replica.fetch.max.bytes"),
                (Integer) config.value("replica.fetch.response.max.bytes"),
                wait,
                (Integer) config.value("replica.fetch.min.bytes"),
                (Integer) config.value("replica.fetch.backoff.ms"),
                socketTimeout,
                (Integer) config.value("replica.socket.receive.buffer.bytes"),
                (int) Math.min(Integer.MAX_VALUE, (Long) config.value("socket.connection.setup.timeout.ms")),
                config.socketRequestMaxBytes());
    }
}
