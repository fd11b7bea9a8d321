package io.kafkalite.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RequestHandlerPoolTest {
    @Test
    void aFullQueueRefusesAndWakesWaitersWhenASlotFrees() throws Exception {
        // given: one thread, busy, and a queue of one, taken
        try (RequestHandlerPool pool = new RequestHandlerPool(1, 1)) {
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            pool.execute(() -> {
                running.countDown();
                await(busy);
            });
            running.await();
            pool.execute(() -> { });
            // when
            assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> { }));
            CountDownLatch woken = new CountDownLatch(1);
            pool.whenSlotFree(woken::countDown);
            // then
            assertEquals(1, woken.getCount(), "no slot yet");
            busy.countDown(); // the thread takes the queued task: one slot frees
            assertTrue(woken.await(5, TimeUnit.SECONDS));
            pool.execute(() -> { });
        }
    }

    @Test
    void actionsLeftByATaskRunOnItsThreadAfterItReturnsAndMayLeaveMore() throws Exception {
        try (RequestHandlerPool pool = new RequestHandlerPool(1, 10)) {
            List<String> order = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            pool.execute(() -> {
                Thread task = Thread.currentThread();
                assertTrue(RequestHandlerPool.runAfterCurrentTask(() -> {
                    order.add("action on the task's thread: " + (Thread.currentThread() == task));
                    RequestHandlerPool.runAfterCurrentTask(() -> {
                        order.add("nested");
                        throw new IllegalStateException("logged, not fatal");
                    });
                }));
                order.add("task");
            });
            pool.execute(done::countDown); // the thread survives a failing action
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(List.of("task", "action on the task's thread: true", "nested"), order);
        }
        assertFalse(RequestHandlerPool.runAfterCurrentTask(() -> { }), "not a request-handler thread");
    }

    @Test
    void aWaiterRegisteringAfterTheSlotFreedIsWokenAtOnce() throws Exception {
        try (RequestHandlerPool pool = new RequestHandlerPool(1, 1)) {
            CountDownLatch woken = new CountDownLatch(1);
            pool.whenSlotFree(woken::countDown);
            assertTrue(woken.await(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void resizedPoolRunsThatManyTasksAtOnce() throws Exception {
        try (RequestHandlerPool pool = new RequestHandlerPool(2, 10)) {
            // when: num.io.threads 2 -> 4
            pool.resize(4);
            // then: four tasks run at the same time
            CountDownLatch allRunning = new CountDownLatch(4);
            CountDownLatch release = new CountDownLatch(1);
            for (int i = 0; i < 4; i++) {
                pool.execute(() -> {
                    allRunning.countDown();
                    await(release);
                });
            }
            assertTrue(allRunning.await(5, TimeUnit.SECONDS), "4 threads");
            release.countDown();
            // when: back to 1; then only one at a time once the surplus threads finished
            pool.resize(1);
            assertEquals(1, pool.threads());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
