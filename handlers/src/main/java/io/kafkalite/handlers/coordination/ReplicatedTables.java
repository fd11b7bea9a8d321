package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.logstore.DurableMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster node's durable maps: one local table per name (what the quorum's state machine applies
 * {@code DurableMapWrite}s to: give it {@link #local}), and the replicated views the broker's state lives in
 * ({@link #coordinatorMap}, {@link #metadataMap}), which write through the quorum once it is {@link #attach attached}. Listeners of a table ({@link #onChange}) run after a write
 * was applied to it, whichever node made it, so in-memory views (ACLs, SCRAM credentials, quotas, dynamic broker
 * configs) follow changes made on other nodes. Listeners run on a thread of their own; changes coming in while a
 * listener runs are coalesced into one more call.
 */
public final class ReplicatedTables implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicatedTables.class);

    private final Function<String, DurableMap> store;
    private final Map<String, Observed> tables = new ConcurrentHashMap<>();
    private volatile MetadataQuorum quorum;
    private volatile BooleanSupplier seatHere = () -> false;
    private final ExecutorService listenerThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "replicated-tables");
        t.setDaemon(true);
        return t;
    });

    /** @param store the node's own tables by name ({@code LogStore::durableMap}); each name is opened once */
    public ReplicatedTables(Function<String, DurableMap> store) {
        this.store = store;
    }

    /** This node's own table of that name: the state machine applies the replicated writes to it. */
    public DurableMap local(String name) {
        return tables.computeIfAbsent(name, n -> new Observed(n, store.apply(n)));
    }

    /**
     * The quorum the replicated tables write through, once it runs (a broker loads its state from the local tables
     * before it starts the quorum; writes fail until then); the coordinators' tables propose only while {@code seatHere}.
     */
    public void attach(MetadataQuorum quorum, BooleanSupplier seatHere) {
        this.quorum = quorum;
        this.seatHere = seatHere;
    }

    /**
     * A coordinator's table (group offsets and metadata, transactions) for coordinators loaded at {@code coordinatorEpoch}:
     * failed writes, and writes after newer coordinators took over, answer NOT_COORDINATOR.
     */
    public DurableMap coordinatorMap(String name, long coordinatorEpoch) {
        return ReplicatedDurableMap.forCoordinator(name, () -> quorum, local(name), coordinatorEpoch, () -> seatHere.getAsBoolean());
    }

    /** Any other replicated table (ACLs, SCRAM credentials, quotas, broker configs). */
    public DurableMap metadataMap(String name) {
        return ReplicatedDurableMap.forMetadata(name, () -> quorum, local(name));
    }

    /** Runs {@code listener} after writes to the table were applied on this node (from any node). */
    public void onChange(String name, Runnable listener) {
        ((Observed) local(name)).listeners.add(listener);
    }

    @Override
    public void close() {
        listenerThread.shutdownNow();
    }

    private final class Observed implements DurableMap {
        private final String name;
        private final DurableMap table;
        private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
        private final AtomicBoolean pending = new AtomicBoolean();

        Observed(String name, DurableMap table) {
            this.name = name;
            this.table = table;
        }

        @Override
        public CompletableFuture<Void> write(List<Map.Entry<byte[], byte[]>> changes) {
            CompletableFuture<Void> written = table.write(changes);
            if (!listeners.isEmpty()) {
                written.thenRun(this::changed);
            }
            return written;
        }

        private void changed() {
            if (!pending.compareAndSet(false, true)) {
                return; // a call is queued already: it reads what this write wrote
            }
            try {
                listenerThread.execute(() -> {
                    pending.set(false);
                    for (Runnable l : listeners) {
                        try {
                            l.run();
                        } catch (RuntimeException e) {
                            log.error("Refreshing after a change of table {} failed", name, e);
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                pending.set(false);
            }
        }

        @Override
        public void forEach(BiConsumer<byte[], byte[]> action) {
            table.forEach(action);
        }
    }
}
