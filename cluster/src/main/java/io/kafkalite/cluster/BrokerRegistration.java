package io.kafkalite.cluster;

import java.util.Map;

/**
 * A broker as the cluster knows it (Kafka's BrokerRegistration): its client endpoints by listener name
 * (upper case, as {@code listeners} names them), its rack, and whether it is fenced (not heartbeating:
 * it leads nothing and is in no ISR) or shutting down (controlled shutdown: leaderships moved away).
 *
 * @param incarnation a random id per process start, so a restarted broker is told from its previous run
 */
public record BrokerRegistration(int id, long incarnation, Map<String, HostPort> endpoints, String rack,
                                 boolean fenced, boolean shuttingDown) {
    public BrokerRegistration {
        endpoints = Map.copyOf(endpoints);
    }

    public record HostPort(String host, int port) { }

    public BrokerRegistration withFenced(boolean f) {
        return new BrokerRegistration(id, incarnation, endpoints, rack, f, shuttingDown);
    }

    public BrokerRegistration withShuttingDown(boolean s) {
        return new BrokerRegistration(id, incarnation, endpoints, rack, fenced, s);
    }
}
