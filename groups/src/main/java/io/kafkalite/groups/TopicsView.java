package io.kafkalite.groups;

import java.util.Collection;
import org.apache.kafka.common.Uuid;

/** What the coordinator needs to know about topics (provided by the broker from its log store). */
public interface TopicsView {
    /** The partition count, or -1 when the topic does not exist. */
    int partitions(String topic);

    /** The topic's id, or null when it does not exist. */
    Uuid topicId(String topic);

    /** The topic's name, or null when no topic has that id. */
    String topicName(Uuid id);

    Collection<String> topicNames();
}
