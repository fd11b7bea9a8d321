package io.kafkalite.handlers.metrics;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.Topic;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;

/**
 * BrokerTopicMetrics, counted from each Produce and Fetch request and its response once the response is
 * ready (nothing per record: a map lookup per topic, a few adds per partition). Only existing topics get
 * meters, and {@link #prune} drops those of deleted topics, so there are at most as many as topics.
 */
public final class TopicStats {
    /** Offset of a v2 record batch's record count (Kafka's DefaultRecordBatch.RECORDS_COUNT_OFFSET). */
    private static final int RECORDS_COUNT_OFFSET = 57;

    private final LogStore store;
    final TopicMeters all = new TopicMeters(null);
    private final Map<String, TopicMeters> byTopic = new ConcurrentHashMap<>();

    TopicStats(LogStore store) {
        this.store = store;
    }

    /** The meters of an existing topic; null when there is no such topic (nothing is counted for it). */
    TopicMeters topic(String name, Uuid id) {
        TopicMeters m = name == null || name.isEmpty() ? null : byTopic.get(name);
        if (m != null) {
            return m;
        }
        Topic t = name == null || name.isEmpty() ? (id == null ? null : store.topic(id)) : store.topic(name);
        return t == null ? null : byTopic.computeIfAbsent(t.name(), TopicMeters::new);
    }

    /** @param response null for acks=0, which has none: each partition was appended, or the connection closed. */
    public void produced(ProduceRequest request, ProduceResponse response) {
        Iterator<TopicProduceResponse> topics = response == null ? null : response.data().responses().iterator();
        for (TopicProduceData td : request.data().topicData()) {
            Iterator<PartitionProduceResponse> partitions = topics == null || !topics.hasNext() ? null : topics.next().partitionResponses().iterator();
            TopicMeters topic = topic(td.name(), td.topicId());
            if (topic == null) {
                continue;
            }
            for (PartitionProduceData pd : td.partitionData()) {
                Errors error = partitions == null || !partitions.hasNext() ? Errors.NONE : Errors.forCode(partitions.next().errorCode());
                if (rejectedBeforeAppend(error)) {
                    continue; // Kafka answers these before its replica manager counts
                }
                topic.totalProduceRequests.mark();
                all.totalProduceRequests.mark();
                if (error == Errors.NONE) {
                    MemoryRecords records = (MemoryRecords) pd.records();
                    int bytes = records == null ? 0 : records.sizeInBytes();
                    long messages = recordCount(records);
                    topic.bytesIn.mark(bytes);
                    all.bytesIn.mark(bytes);
                    topic.messagesIn.mark(messages);
                    all.messagesIn.mark(messages);
                } else if (unexpected(error)) {
                    topic.failedProduceRequests.mark();
                    all.failedProduceRequests.mark();
                }
            }
        }
    }

    /** The records of a produce's (one, validated) v2 batch, read from its header. */
    private static long recordCount(MemoryRecords records) {
        if (records == null) {
            return 0;
        }
        ByteBuffer b = records.buffer();
        return b.remaining() >= RECORDS_COUNT_OFFSET + 4 ? b.getInt(b.position() + RECORDS_COUNT_OFFSET) : 0;
    }

    /** Bytes out are counted for consumers only (Kafka counts a follower's as replication bytes). */
    public void fetched(FetchRequest request, FetchResponse response) {
        boolean consumer = !request.isFromFollower();
        for (FetchableTopicResponse tr : response.data().responses()) {
            TopicMeters topic = topic(tr.topic(), tr.topicId());
            if (topic == null) {
                continue;
            }
            for (PartitionData pd : tr.partitions()) {
                Errors error = Errors.forCode(pd.errorCode());
                if (rejectedBeforeAppend(error)) {
                    continue;
                }
                topic.totalFetchRequests.mark();
                all.totalFetchRequests.mark();
                if (error == Errors.UNKNOWN_SERVER_ERROR) {
                    topic.failedFetchRequests.mark();
                    all.failedFetchRequests.mark();
                }
                int bytes = consumer ? FetchResponse.recordsSize(pd) : 0;
                if (bytes > 0) {
                    topic.bytesOut.mark(bytes);
                    all.bytesOut.mark(bytes);
                }
            }
        }
    }

    private static boolean rejectedBeforeAppend(Errors error) {
        return switch (error) {
            case TOPIC_AUTHORIZATION_FAILED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED, UNKNOWN_TOPIC_OR_PARTITION,
                 UNKNOWN_TOPIC_ID, INVALID_REQUIRED_ACKS -> true;
            default -> false;
        };
    }

    /** Kafka counts a failed produce only for errors it does not expect (its list of known exceptions). */
    private static boolean unexpected(Errors error) {
        return switch (error) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, CORRUPT_MESSAGE,
                 KAFKA_STORAGE_ERROR, UNKNOWN_TOPIC_ID, TOPIC_AUTHORIZATION_FAILED -> false;
            default -> true;
        };
    }

    /** Drops the meters of topics that no longer exist (or were re-created under another id are kept: same name). */
    void prune() {
        byTopic.keySet().removeIf(name -> store.topic(name) == null);
    }

    int topicCount() {
        return byTopic.size();
    }

    void tick() {
        all.tick();
        byTopic.values().forEach(TopicMeters::tick);
    }

    void addTo(Map<MetricName, Object> metrics) {
        all.addTo(metrics);
        byTopic.values().forEach(m -> m.addTo(metrics));
    }
}
