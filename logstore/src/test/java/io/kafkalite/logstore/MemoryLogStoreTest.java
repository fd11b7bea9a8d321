package io.kafkalite.logstore;

import java.util.Map;

class MemoryLogStoreTest extends LogStoreContract {
    @Override
    LogStore open() {
        return LogStore.inMemory(Map.of());
    }
}
