package io.kafkalite.handlers.metrics;

import java.util.Map;

/** Where metrics are shown (JMX, a Micrometer registry): told the current set, it adds what is new and drops what is gone. */
public interface Exposition extends AutoCloseable {
    /** Called on one thread at a time; each value is a {@link Meter}, {@link Histogram} or {@link Gauge}. */
    void sync(Map<MetricName, Object> metrics);

    @Override
    void close();
}
