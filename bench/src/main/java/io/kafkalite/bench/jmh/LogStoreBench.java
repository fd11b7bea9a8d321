package io.kafkalite.bench.jmh;

import io.kafkalite.logstore.AppendResult;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The log store's hot paths on files and LMDB: append (validation, offset rewrite, segment write,
 * index queueing) of a 100-record batch, and a fetch read at a random offset (index lookup, batch
 * search, file slice).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class LogStoreBench {
    @Param({"100", "1024"})
    int recordSize;

    private Path dir;
    private LogStore store;
    private PartitionLog appendLog;
    private PartitionLog readLog;
    private ByteBuffer batch;
    private long readEnd;

    @Setup
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("jmh-logstore");
        store = LogStore.open(dir, Map.of());
        store.createTopic("append", 1, Map.of());
        store.createTopic("read", 1, Map.of());
        appendLog = store.partition(new TopicPartition("append", 0));
        readLog = store.partition(new TopicPartition("read", 0));
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(128 * 1024), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        byte[] value = new byte[recordSize];
        for (int i = 0; i < 100; i++) {
            b.append(System.currentTimeMillis(), ("key-" + i).getBytes(), value);
        }
        batch = b.build().buffer();
        for (int i = 0; i < 2000; i++) {
            store.append(readLog, MemoryRecords.readableRecords(batch.duplicate()), System.currentTimeMillis());
        }
        readEnd = readLog.logEndOffset();
    }

    @TearDown
    public void tearDown() throws Exception {
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public AppendResult append() throws Exception {
        return store.append(appendLog, MemoryRecords.readableRecords(batch.duplicate()), System.currentTimeMillis());
    }

    @Benchmark
    public int fetchRead() throws Exception {
        long offset = ThreadLocalRandom.current().nextLong(readEnd);
        return readLog.read(offset, 1024 * 1024, true).records().sizeInBytes();
    }
}
