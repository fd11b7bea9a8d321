package io.kafkalite.groups;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.junit.jupiter.api.Test;

class CoordinatorThreadTest {
    @Test
    void closingFailsTheCallsInFlightAndLaterOnesWithNotCoordinator() throws Exception {
        CoordinatorThread thread = new CoordinatorThread("test-coordinator");
        CompletableFuture<Void> durable = new CompletableFuture<>(); // a write that never completes
        CompletableFuture<Void> inFlight = thread.call(() -> durable);
        thread.call(() -> CompletableFuture.completedFuture(null)).get(10, TimeUnit.SECONDS); // the first call ran
        thread.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> inFlight.get(10, TimeUnit.SECONDS));
        assertInstanceOf(NotCoordinatorException.class, e.getCause());
        CompletableFuture<Void> later = thread.call(() -> CompletableFuture.completedFuture(null));
        e = assertThrows(ExecutionException.class, () -> later.get(10, TimeUnit.SECONDS));
        assertInstanceOf(NotCoordinatorException.class, e.getCause());
    }
}
