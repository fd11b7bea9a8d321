package io.kafkalite.broker;

import io.kafkalite.handlers.metrics.Exposition;
import io.kafkalite.handlers.metrics.Gauge;
import io.kafkalite.handlers.metrics.Histogram;
import io.kafkalite.handlers.metrics.Meter;
import io.kafkalite.handlers.metrics.MetricName;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The broker's metrics in a Micrometer registry, read from the broker's own counters when the registry is
 * scraped (function counters and gauges: nothing more on the request path). Names are {@link MetricName#meterName},
 * tags the MBean's keys, so Prometheus shows what the JMX exporter's usual Kafka rules would:
 * <ul>
 * <li>a meter: a counter, {@code kafka_server_brokertopicmetrics_bytesin_total{topic="t"}}; the all-topics meters
 *     get {@code topic=""} (one set of label names per metric; Prometheus stores an empty label as no label);</li>
 * <li>a gauge: {@code kafka_server_replicamanager_partitioncount};</li>
 * <li>a histogram: {@code kafka_network_requestmetrics_totaltimems{request="Produce",quantile="0.99"}} (0.5 to 0.999,
 *     over the last one to two minutes), with {@code _mean} and {@code _max} gauges; the count is RequestsPerSec's.</li>
 * </ul>
 */
final class MicrometerExposition implements Exposition {
    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.98, 0.99, 0.999};
    /** As the JMX exporter's rules label Kafka's 50thPercentile ... 999thPercentile. */
    private static final String[] QUANTILE_LABELS = {"0.50", "0.75", "0.95", "0.98", "0.99", "0.999"};

    private final MeterRegistry registry;
    private final Map<MetricName, Registered> registered = new HashMap<>();

    private record Registered(Object metric, List<io.micrometer.core.instrument.Meter> meters) { }

    MicrometerExposition(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void sync(Map<MetricName, Object> metrics) {
        for (Iterator<Map.Entry<MetricName, Registered>> it = registered.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<MetricName, Registered> e = it.next();
            if (metrics.get(e.getKey()) != e.getValue().metric()) {
                e.getValue().meters().forEach(registry::remove);
                it.remove();
            }
        }
        metrics.forEach((name, metric) -> {
            if (!registered.containsKey(name)) {
                registered.put(name, new Registered(metric, register(name, metric)));
            }
        });
    }

    private List<io.micrometer.core.instrument.Meter> register(MetricName name, Object metric) {
        Tags tags = Tags.empty();
        for (Map.Entry<String, String> t : name.tags().entrySet()) {
            tags = tags.and(t.getKey(), t.getValue());
        }
        if (name.type().equals("BrokerTopicMetrics") && !name.tags().containsKey("topic")) {
            tags = tags.and("topic", "");
        }
        String meterName = name.meterName();
        List<io.micrometer.core.instrument.Meter> meters = new ArrayList<>();
        if (metric instanceof Meter m) {
            meters.add(FunctionCounter.builder(meterName, m, Meter::getCount).tags(tags).register(registry));
        } else if (metric instanceof Gauge g) {
            meters.add(io.micrometer.core.instrument.Gauge.builder(meterName, g, Gauge::getValue).tags(tags).strongReference(true)
                    .register(registry));
        } else if (metric instanceof Histogram h) {
            for (int i = 0; i < QUANTILES.length; i++) {
                double q = QUANTILES[i];
                meters.add(io.micrometer.core.instrument.Gauge.builder(meterName, h, x -> x.percentile(q))
                        .tags(tags.and("quantile", QUANTILE_LABELS[i])).strongReference(true).register(registry));
            }
            meters.add(io.micrometer.core.instrument.Gauge.builder(meterName + ".mean", h, Histogram::getMean).tags(tags)
                    .strongReference(true).register(registry));
            meters.add(io.micrometer.core.instrument.Gauge.builder(meterName + ".max", h, Histogram::getMax).tags(tags)
                    .strongReference(true).register(registry));
        }
        return meters;
    }

    @Override
    public void close() {
        registered.values().forEach(r -> r.meters().forEach(registry::remove));
        registered.clear();
    }
}
