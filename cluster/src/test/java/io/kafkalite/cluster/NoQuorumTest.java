package io.kafkalite.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class NoQuorumTest {
    @Test
    void proposalsFailRetriablyWithoutAMajorityAndWorkAgainWithOne(@TempDir Path dir) throws Exception {
        try (RatisTestCluster cluster = new RatisTestCluster(dir, 3)) {
            cluster.startAll();
            cluster.awaitReadyLeader(20_000);
            cluster.stop(1);
            cluster.stop(2);
            RatisMetadataQuorum alone = cluster.nodes.get(3);

            long start = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> alone.submit(new MetadataRecord.FenceBroker(5)).get(30, TimeUnit.SECONDS));
            long failedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            LoggerFactory.getLogger(NoQuorumTest.class).info("MEASURED: a proposal without a majority failed after {} ms: {}", failedAfterMs, e.getCause().toString());
            assertTrue(e.getCause() instanceof RetriableException, e.getCause().toString());
            assertTrue(failedAfterMs < 20_000, "failed after " + failedAfterMs + " ms");
            assertEquals(-1, alone.describe().voters().get(0).logEndOffset(), "nobody to ask: its own view");

            cluster.start(2);
            cluster.awaitReadyLeader(20_000);
            // the failure did not spoil later proposals (Ratis' ordered client refuses all after one failed: replaced)
            assertEquals(Errors.NONE, alone.submit(new MetadataRecord.RegisterBroker(5, 1, Map.of(), null)).get(20, TimeUnit.SECONDS).error());
        }
    }
}
