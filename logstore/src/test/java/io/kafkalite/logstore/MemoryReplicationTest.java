package io.kafkalite.logstore;

import java.util.Map;

class MemoryReplicationTest extends ReplicationContract {
    @Override
    LogStore open(String name) {
        return LogStore.inMemory(Map.of());
    }
}
