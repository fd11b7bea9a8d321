package io.kafkalite.cluster;

import io.kafkalite.cluster.MetadataQuorum.ApplyResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import io.kafkalite.logstore.DurableMap;
import org.apache.kafka.common.protocol.Errors;

/**
 * For tests: several brokers in one JVM share one metadata log, applied in order on one thread (as Ratis' apply
 * thread would), without Ratis. {@code Log log = new LocalQuorum.Log(); MetadataQuorum q1 = log.node(1, maps1); ...}
 */
public final class LocalQuorum {
    private LocalQuorum() { }

    public static final class Log implements AutoCloseable {
        private final ExecutorService applier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "local-quorum-apply");
            t.setDaemon(true);
            return t;
        });
        private final List<Node> nodes = new CopyOnWriteArrayList<>();
        private volatile MetadataImage image = MetadataImage.EMPTY;
        private long index;
        private volatile int leader = -1;
        /** The first node created leads. */
        private final AtomicBoolean firstLeaderChosen = new AtomicBoolean();
        /** The Raft term: one more at each leadership change. */
        private volatile long term;

        /** A node whose durable-map writes go to {@code localMaps} (null: none kept). */
        public MetadataQuorum node(int id, Function<String, DurableMap> localMaps) {
            Node node = new Node(this, id, localMaps);
            nodes.add(node);
            if (firstLeaderChosen.compareAndSet(false, true)) { // not from `leader`: setLeader applies later, on the applier
                setLeader(id);
            }
            return node;
        }

        public MetadataQuorum node(int id) {
            return node(id, null);
        }

        /** Moves the quorum leadership (the coordinators follow it); -1: no leader. */
        public void setLeader(int id) {
            applier.submit(() -> {
                int before;
                List<Consumer<Boolean>> lost = new ArrayList<>();
                List<Consumer<Boolean>> won = new ArrayList<>();
                synchronized (this) { // with Node.onLeadership: a listener added meanwhile is told once, by one of them
                    before = leader;
                    if (before == id) {
                        return;
                    }
                    term++;
                    leader = id;
                    for (Node n : nodes) {
                        if (n.id == before) {
                            lost.addAll(n.leadership);
                        }
                        if (n.id == id) {
                            won.addAll(n.leadership);
                        }
                    }
                }
                lost.forEach(l -> l.accept(false));
                won.forEach(l -> l.accept(true));
            });
        }

        /** Waits until the records and leadership changes submitted so far are applied and their listeners told. */
        public void sync() throws Exception {
            applier.submit(() -> { }).get(10, TimeUnit.SECONDS);
        }

        public MetadataImage image() {
            return image;
        }

        CompletableFuture<ApplyResult> append(MetadataRecord record) {
            return CompletableFuture.supplyAsync(() -> {
                MetadataApplier.Applied applied = MetadataApplier.apply(image, ++index, record);
                if (record instanceof MetadataRecord.DurableMapWrite w && applied.result().error() == Errors.NONE) {
                    for (Node n : nodes) {
                        if (n.localMaps != null) {
                            n.localMaps.apply(w.map()).write(w.changes()).join();
                        }
                    }
                }
                image = applied.image();
                for (Node n : nodes) {
                    n.listeners.forEach(l -> l.accept(applied.image()));
                }
                return applied.result();
            }, applier);
        }

        @Override
        public void close() {
            applier.shutdownNow();
        }
    }

    private static final class Node implements MetadataQuorum {
        private final Log log;
        private final int id;
        private final Function<String, DurableMap> localMaps;
        private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
        private final List<Consumer<Boolean>> leadership = new CopyOnWriteArrayList<>();

        Node(Log log, int id, Function<String, DurableMap> localMaps) {
            this.log = log;
            this.id = id;
            this.localMaps = localMaps;
        }

        @Override
        public MetadataImage image() {
            return log.image;
        }

        @Override
        public CompletableFuture<ApplyResult> submit(MetadataRecord record) {
            return log.append(record);
        }

        @Override
        public void subscribe(Consumer<MetadataImage> listener) {
            listeners.add(listener);
        }

        @Override
        public void onLeadership(Consumer<Boolean> listener) {
            boolean leads;
            synchronized (log) {
                leadership.add(listener);
                leads = log.leader == id;
            }
            if (leads) {
                listener.accept(true);
            }
        }

        @Override
        public int leaderId() {
            return log.leader;
        }

        @Override
        public int nodeId() {
            return id;
        }

        @Override
        public QuorumInfo describe() {
            List<ReplicaProgress> voters = new ArrayList<>();
            for (Node n : log.nodes) {
                voters.add(new ReplicaProgress(n.id, log.image.appliedIndex(), 0, 0));
            }
            return new QuorumInfo(log.leader, log.term, log.image.appliedIndex(), voters, List.of());
        }

        @Override
        public void close() {
            log.nodes.remove(this);
        }
    }
}
