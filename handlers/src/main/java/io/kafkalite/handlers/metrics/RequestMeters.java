package io.kafkalite.handlers.metrics;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Kafka's RequestMetrics of one request name ({@code Produce}, {@code FetchConsumer}, ...): RequestsPerSec per
 * request version and TotalTimeMs, from the frame's arrival to the response's last byte handed to the socket.
 * Versions are bounded by the protocol; a version's meter is made on its first request.
 */
final class RequestMeters {
    private static final int MAX_VERSIONS = 64;

    final String request;
    private final AtomicReferenceArray<Meter> byVersion = new AtomicReferenceArray<>(MAX_VERSIONS);
    final Histogram totalTimeMs = new Histogram();

    RequestMeters(String request) {
        this.request = request;
    }

    void completed(short version, long totalMs) {
        int v = Math.min(Math.max(version, 0), MAX_VERSIONS - 1);
        Meter m = byVersion.get(v);
        if (m == null) {
            byVersion.compareAndSet(v, null, new Meter("requests"));
            m = byVersion.get(v);
        }
        m.mark();
        totalTimeMs.record(totalMs);
    }

    void tick() {
        for (int v = 0; v < MAX_VERSIONS; v++) {
            Meter m = byVersion.get(v);
            if (m != null) {
                m.tick();
            }
        }
        totalTimeMs.tick();
    }

    void addTo(Map<MetricName, Object> metrics) {
        for (int v = 0; v < MAX_VERSIONS; v++) {
            Meter m = byVersion.get(v);
            if (m != null) {
                metrics.put(MetricName.of("kafka.network", "RequestMetrics", "RequestsPerSec", "request", request, "version",
                        Integer.toString(v)), m);
            }
        }
        metrics.put(MetricName.of("kafka.network", "RequestMetrics", "TotalTimeMs", "request", request), totalTimeMs);
    }
}
