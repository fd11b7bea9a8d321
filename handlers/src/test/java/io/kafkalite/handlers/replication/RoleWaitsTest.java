package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RoleWaitsTest {
    @Test
    void waitsEndWhenTheRolesOfTheirImageAreTakenOrOnTimeout() throws Exception {
        RoleWaits waits = new RoleWaits();
        CompletableFuture<Void> at5 = waits.await(5, 60_000);
        CompletableFuture<Void> at7 = waits.await(7, 60_000);
        CompletableFuture<Void> timesOut = waits.await(9, 50);
        waits.rolesTaken(4);
        assertFalse(at5.isDone());
        waits.rolesTaken(6);
        assertTrue(at5.isDone());
        assertFalse(at7.isDone(), "image 7 not reconciled yet");
        timesOut.get(5, TimeUnit.SECONDS);
        assertNull(waits.await(6, 60_000), "already taken: no wait");
        waits.close();
        assertTrue(at7.isDone(), "closing ends every wait");
    }

    @Test
    void boundedNumberOfWaits() {
        RoleWaits waits = new RoleWaits();
        for (int i = 0; i < RoleWaits.MAX_WAITS; i++) {
            waits.await(1, 60_000);
        }
        assertNull(waits.await(1, 60_000), "full: the request goes on without waiting");
        waits.close();
    }
}
