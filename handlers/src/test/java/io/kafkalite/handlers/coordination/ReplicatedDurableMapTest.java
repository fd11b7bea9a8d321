package io.kafkalite.handlers.coordination;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.MetadataRecord;
import io.kafkalite.logstore.DurableMap;
import io.kafkalite.logstore.LogStore;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ReplicatedDurableMapTest {
    private final DurableMap local = LogStore.inMemory(Map.of()).durableMap("t");
    private final List<MetadataRecord.DurableMapWrite> proposed = new ArrayList<>();
    private boolean leader = true;
    private Function<MetadataRecord, CompletableFuture<MetadataQuorum.ApplyResult>> answer = r -> {
        local.write(((MetadataRecord.DurableMapWrite) r).changes()).join(); // applied here, as the state machine does
        return CompletableFuture.completedFuture(MetadataQuorum.ApplyResult.ok(1));
    };

    private final MetadataQuorum quorum = new MetadataQuorum() {
        public MetadataImage image() {
            return MetadataImage.EMPTY;
        }

        public CompletableFuture<ApplyResult> submit(MetadataRecord record) {
            proposed.add((MetadataRecord.DurableMapWrite) record);
            return answer.apply(record);
        }

        public void subscribe(Consumer<MetadataImage> listener) { }

        public void onLeadership(Consumer<Boolean> listener) { }

        public int leaderId() {
            return leader ? 1 : 2;
        }

        public int nodeId() {
            return 1;
        }

        public QuorumInfo describe() {
            throw new UnsupportedOperationException();
        }

        public void close() { }
    };

    private static Map.Entry<byte[], byte[]> entry(int key, int valueBytes) {
        return new SimpleEntry<>(new byte[] {(byte) (key >> 8), (byte) key}, new byte[valueBytes]);
    }

    @Test
    void aBigWriteIsSplitInOrderIntoRecordsOfAtMostAMebibyte() throws Exception {
        DurableMap map = ReplicatedDurableMap.forCoordinator("group_offsets", () -> quorum, local, 1, quorum::isLeader);
        List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            changes.add(entry(i, 10_000)); // 3 MB in all
        }
        map.write(changes).get();
        assertEquals(3, proposed.size());
        int n = 0;
        for (MetadataRecord.DurableMapWrite w : proposed) {
            assertEquals("group_offsets", w.map());
            long bytes = w.changes().stream().mapToLong(e -> e.getKey().length + e.getValue().length).sum();
            assertTrue(bytes <= ReplicatedDurableMap.MAX_RECORD_BYTES, "record of " + bytes + " bytes");
            for (Map.Entry<byte[], byte[]> e : w.changes()) {
                assertEquals(changes.get(n++), e, "in order");
            }
        }
        int[] stored = {0};
        map.forEach((k, v) -> stored[0]++);
        assertEquals(300, stored[0], "reads are of the local table");
    }

    @Test
    void aCoordinatorWriteThatTheQuorumDoesNotTakeAnswersNotCoordinator() {
        DurableMap map = ReplicatedDurableMap.forCoordinator("group_offsets", () -> quorum, local, 1, quorum::isLeader);
        answer = r -> CompletableFuture.failedFuture(new NotControllerException("no leader"));
        assertInstanceOf(NotCoordinatorException.class, cause(map.write(List.of(entry(1, 1)))));
        answer = r -> CompletableFuture.completedFuture(new MetadataQuorum.ApplyResult(Errors.INVALID_REQUEST, "bad", 1, -1));
        assertInstanceOf(NotCoordinatorException.class, cause(map.write(List.of(entry(1, 1)))));
        leader = false;
        proposed.clear();
        assertInstanceOf(NotCoordinatorException.class, cause(map.write(List.of(entry(1, 1)))));
        assertEquals(List.of(), proposed, "a node that does not lead proposes no coordinator state");
    }

    @Test
    void otherTablesAreWrittenFromAnyNodeAndFailWithTheQuorumsError() {
        DurableMap map = ReplicatedDurableMap.forMetadata("acls", () -> quorum, local);
        leader = false;
        map.write(List.of(entry(1, 1))).join();
        assertEquals(1, proposed.size());
        answer = r -> CompletableFuture.failedFuture(new NotControllerException("no leader"));
        assertInstanceOf(NotControllerException.class, cause(map.write(List.of(entry(1, 1)))));
        assertInstanceOf(IllegalArgumentException.class, cause(map.write(List.of(new SimpleEntry<>(new byte[600], new byte[1])))),
                "a key no table takes is refused before it is proposed");
    }

    private static Throwable cause(CompletableFuture<Void> f) {
        try {
            f.get();
            throw new AssertionError("the write succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
