package io.kafkalite.handlers.replication;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.handlers.BrokerConfig;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/** Which listener brokers connect to each other on ({@link InterBrokerSecurity} secures those connections). */
public final class InterBrokerListener {
    private InterBrokerListener() { }

    /**
     * The inter-broker listener's name: {@code inter.broker.listener.name}, else the listener named after an
     * explicit {@code security.inter.broker.protocol} (Kafka's rule), else the first listener that is not a
     * controller listener.
     * @throws ConfigException when that listener is not in {@code listeners}
     */
    public static String name(BrokerConfig config) {
        List<String> names = config.listeners().stream().map(InterBrokerListener::listenerName).toList();
        String chosen = (String) config.value("inter.broker.listener.name");
        if (chosen == null && config.originals().containsKey("security.inter.broker.protocol")) {
            chosen = (String) config.value("security.inter.broker.protocol");
        }
        if (chosen == null) {
            String controllers = (String) config.value("controller.listener.names");
            List<String> controllerNames = controllers == null ? List.of() : List.of(controllers.toUpperCase(Locale.ROOT).split("\\s*,\\s*"));
            chosen = names.stream().filter(n -> !controllerNames.contains(n)).findFirst()
                    .orElseThrow(() -> new ConfigException("listeners has no listener for brokers: " + config.listeners()));
        }
        String upper = chosen.trim().toUpperCase(Locale.ROOT);
        if (!names.contains(upper)) {
            throw new ConfigException("The inter-broker listener " + chosen + " is not one of listeners " + config.listeners());
        }
        return upper;
    }

    /**
     * The address of {@code brokerId}'s listener {@code listenerName} as registered in {@code image}, or null when the
     * broker or that listener is unknown: the {@code leaderAddress} of a {@link ReplicaFetcherManager}, e.g.
     * {@code id -> InterBrokerListener.address(quorum.image(), id, name)}. Called on a fetcher thread, which may resolve it.
     */
    public static InetSocketAddress address(MetadataImage image, int brokerId, String listenerName) {
        BrokerRegistration broker = image.broker(brokerId);
        BrokerRegistration.HostPort endpoint = broker == null ? null : broker.endpoints().get(listenerName);
        return endpoint == null ? null : new InetSocketAddress(endpoint.host(), endpoint.port());
    }

    private static String listenerName(String spec) {
        int sep = spec.indexOf("://");
        if (sep <= 0) {
            throw new ConfigException("Listener '" + spec + "' is not of the form NAME://host:port");
        }
        return spec.substring(0, sep).trim().toUpperCase(Locale.ROOT);
    }

    /** The listener's security protocol from {@code listener.security.protocol.map}, else its name's. */
    static SecurityProtocol protocol(String listenerName, String map) {
        for (String entry : map.split(",")) {
            String[] kv = entry.trim().split(":");
            if (kv.length == 2 && kv[0].trim().equalsIgnoreCase(listenerName)) {
                return SecurityProtocol.forName(kv[1].trim().toUpperCase(Locale.ROOT));
            }
        }
        try {
            return SecurityProtocol.forName(listenerName);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("No security protocol for listener " + listenerName + " in listener.security.protocol.map");
        }
    }
}
