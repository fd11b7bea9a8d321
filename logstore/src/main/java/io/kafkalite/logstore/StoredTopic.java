package io.kafkalite.logstore;

import java.util.BitSet;

/**
 * A topic as the backend stores it: the topic and which of its partitions have a log on this broker (all of them in
 * single-broker mode; in cluster mode those whose replicas include this broker).
 */
record StoredTopic(Topic topic, BitSet local) {
    static BitSet all(int partitions) {
        BitSet all = new BitSet(partitions);
        all.set(0, partitions);
        return all;
    }
}
