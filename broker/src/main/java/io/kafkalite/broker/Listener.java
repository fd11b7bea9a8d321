package io.kafkalite.broker;

import org.apache.kafka.common.config.ConfigException;

/** One entry of {@code listeners} / {@code advertised.listeners}: {@code NAME://host:port}. */
record Listener(String name, String host, int port) {
    static Listener parse(String spec) {
        int sep = spec.indexOf("://");
        int colon = spec.lastIndexOf(':');
        if (sep <= 0 || colon <= sep + 2) {
            throw new ConfigException("Listener '" + spec + "' is not of the form NAME://host:port");
        }
        String host = spec.substring(sep + 3, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new Listener(spec.substring(0, sep).trim(), host, Integer.parseInt(spec.substring(colon + 1).trim()));
        } catch (NumberFormatException e) {
            throw new ConfigException("Listener '" + spec + "' has an invalid port");
        }
    }

    /** Whether the host means "every interface" (empty or a wildcard address). */
    boolean bindsAll() {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
    }
}
