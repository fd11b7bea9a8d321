package io.kafkalite.handlers.metrics;

import java.util.Map;

/**
 * Kafka's BrokerTopicMetrics for one topic, or for all topics (the MBeans without a topic key). What each
 * counts is Kafka's: bytes in are the record batch bytes of each appended partition, messages in their
 * records; bytes out the record bytes of each partition of a fetch response to a consumer; the request
 * meters count partitions of Produce and Fetch requests, the failed ones those that failed unexpectedly
 * (not for an unknown partition, a too large or corrupt batch or a storage error: Kafka's exceptions).
 */
public final class TopicMeters {
    private static final String TYPE = "BrokerTopicMetrics";

    final String topic;
    public final Meter messagesIn = new Meter("messages");
    public final Meter bytesIn = new Meter("bytes");
    public final Meter bytesOut = new Meter("bytes");
    public final Meter totalProduceRequests = new Meter("requests");
    public final Meter totalFetchRequests = new Meter("requests");
    public final Meter failedProduceRequests = new Meter("requests");
    public final Meter failedFetchRequests = new Meter("requests");

    /** @param topic null for the all-topics meters */
    TopicMeters(String topic) {
        this.topic = topic;
    }

    void tick() {
        for (Meter m : meters()) {
            m.tick();
        }
    }

    private Meter[] meters() {
        return new Meter[] {messagesIn, bytesIn, bytesOut, totalProduceRequests, totalFetchRequests, failedProduceRequests,
                failedFetchRequests};
    }

    void addTo(Map<MetricName, Object> metrics) {
        String[] names = {"MessagesInPerSec", "BytesInPerSec", "BytesOutPerSec", "TotalProduceRequestsPerSec",
                "TotalFetchRequestsPerSec", "FailedProduceRequestsPerSec", "FailedFetchRequestsPerSec"};
        Meter[] meters = meters();
        for (int i = 0; i < meters.length; i++) {
            metrics.put(topic == null ? MetricName.of("kafka.server", TYPE, names[i])
                    : MetricName.of("kafka.server", TYPE, names[i], "topic", topic), meters[i]);
        }
    }
}
