package io.kafkalite.handlers.metrics;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * A metric's name as Kafka's JMX MBeans spell it: {@code kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=t}.
 * Tags keep their order (Kafka's: {@code request} before {@code version}).
 */
public record MetricName(String domain, String type, String name, Map<String, String> tags) {
    public MetricName {
        tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    public static MetricName of(String domain, String type, String name, String... tagPairs) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < tagPairs.length; i += 2) {
            tags.put(tagPairs[i], tagPairs[i + 1]);
        }
        return new MetricName(domain, type, name, tags);
    }

    /** The MBean name; tag values that JMX cannot take as they are (group ids may hold anything) are quoted. */
    public ObjectName objectName() {
        StringBuilder b = new StringBuilder(domain).append(":type=").append(type).append(",name=").append(name);
        tags.forEach((k, v) -> b.append(',').append(k).append('=').append(needsQuotes(v) ? ObjectName.quote(v) : v));
        try {
            return new ObjectName(b.toString());
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(b.toString(), e);
        }
    }

    /**
     * The Micrometer name: domain, type and name lower-cased, a "PerSec" suffix dropped, so Prometheus shows what the
     * JMX exporter's usual Kafka rules make of the MBean: {@code kafka_server_brokertopicmetrics_bytesin_total}.
     */
    public String meterName() {
        String n = name.endsWith("PerSec") ? name.substring(0, name.length() - "PerSec".length()) : name;
        return (domain + "." + type + "." + n).toLowerCase(Locale.ROOT);
    }

    private static boolean needsQuotes(String value) {
        if (value.isEmpty()) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\\' || c == '\n') {
                return true;
            }
        }
        return false;
    }
}
