package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataImage;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.cluster.PartitionState;
import io.kafkalite.groups.TransactionMarkers;
import io.kafkalite.handlers.replication.InterBrokerClient;
import io.kafkalite.handlers.replication.InterBrokerSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's transaction markers: each goes to its partition's leader, as the image has it (Kafka's
 * TransactionMarkerChannelManager). Partitions this broker leads are written here ({@code local}); the others are
 * sent as WriteTxnMarkers to their leader's inter-broker listener, one sender thread per broker (a slow broker
 * delays only its own partitions). A partition without a leader, an unreachable leader or a retriable answer
 * (NOT_LEADER_OR_FOLLOWER after a leader change, ...) is reported back for the coordinator to retry; a deleted
 * partition, or one that fences the marker (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED), counts as done.
 */
public final class ClusterTransactionMarkers implements TransactionMarkers, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterTransactionMarkers.class);
    /** Marker requests waiting for one broker; more fail at once and are retried by the coordinator. */
    private static final int QUEUE_PER_BROKER = 1000;

    private final MetadataQuorum quorum;
    private final TransactionMarkers local;
    private final InterBrokerSecurity interBroker;
    private final String listener;
    private final Map<Integer, ThreadPoolExecutor> senders = new ConcurrentHashMap<>();
    /** One connection per sender thread, used on that thread only. */
    private final Map<Integer, InterBrokerClient> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param local    writes the markers of the partitions this broker leads
     * @param interBroker the inter-broker listener the partition leaders are reached on
     */
    public ClusterTransactionMarkers(MetadataQuorum quorum, TransactionMarkers local, InterBrokerSecurity interBroker) {
        this.quorum = quorum;
        this.local = local;
        this.interBroker = interBroker;
        this.listener = interBroker.listener();
    }

    @Override
    public CompletableFuture<Set<TopicPartition>> write(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                                        Set<TopicPartition> partitions) {
        MetadataImage image = quorum.image();
        Set<TopicPartition> here = new HashSet<>();
        Set<TopicPartition> failed = ConcurrentHashMap.newKeySet();
        Map<Integer, Set<TopicPartition>> byLeader = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionState state = image.partition(tp.topic(), tp.partition());
            if (state == null) {
                continue; // deleted with its topic: nothing left to close
            }
            if (!state.hasLeader()) {
                failed.add(tp);
            } else if (state.leader() == quorum.nodeId()) {
                here.add(tp);
            } else {
                byLeader.computeIfAbsent(state.leader(), l -> new HashSet<>()).add(tp);
            }
        }
        List<CompletableFuture<Set<TopicPartition>>> writes = new ArrayList<>();
        if (!here.isEmpty()) {
            writes.add(local.write(producerId, producerEpoch, coordinatorEpoch, commit, here));
        }
        WriteTxnMarkersRequestData.WritableTxnMarker marker = new WriteTxnMarkersRequestData.WritableTxnMarker()
                .setProducerId(producerId).setProducerEpoch(producerEpoch).setCoordinatorEpoch(coordinatorEpoch).setTransactionResult(commit);
        byLeader.forEach((leader, tps) -> writes.add(send(leader, marker, tps)));
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> {
            writes.forEach(w -> failed.addAll(w.join()));
            return failed;
        });
    }

    private CompletableFuture<Set<TopicPartition>> send(int broker, WriteTxnMarkersRequestData.WritableTxnMarker marker,
                                                        Set<TopicPartition> partitions) {
        CompletableFuture<Set<TopicPartition>> result = new CompletableFuture<>();
        try {
            sender(broker).execute(() -> result.complete(sendNow(broker, marker, partitions)));
        } catch (RejectedExecutionException full) {
            result.complete(partitions);
        }
        return result;
    }

    private ThreadPoolExecutor sender(int broker) {
        if (closed) {
            throw new RejectedExecutionException("closed");
        }
        return senders.computeIfAbsent(broker, id -> {
            channels.put(id, new InterBrokerClient("txn-markers-" + quorum.nodeId(), InterBrokerClient.Limits.REQUESTS, interBroker));
            return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE_PER_BROKER), r -> {
                Thread t = new Thread(r, "txn-markers-to-" + id);
                t.setDaemon(true);
                return t;
            });
        });
    }

    /** On the broker's sender thread: the partitions to retry. */
    private Set<TopicPartition> sendNow(int broker, WriteTxnMarkersRequestData.WritableTxnMarker marker, Set<TopicPartition> partitions) {
        BrokerRegistration registration = quorum.image().broker(broker);
        BrokerRegistration.HostPort endpoint = registration == null ? null : registration.endpoints().get(listener);
        if (endpoint == null) {
            log.warn("Broker {} has no {} endpoint registered: its transaction markers wait", broker, listener);
            return partitions;
        }
        Map<String, List<Integer>> byTopic = new HashMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        WriteTxnMarkersRequestData.WritableTxnMarker m = marker.duplicate();
        byTopic.forEach((topic, ps) -> m.topics().add(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName(topic)
                .setPartitionIndexes(ps)));
        try {
            WriteTxnMarkersResponse response = channels.get(broker).send(new InetSocketAddress(endpoint.host(), endpoint.port()),
                    new WriteTxnMarkersRequest.Builder(new WriteTxnMarkersRequestData().setMarkers(List.of(m))));
            Map<TopicPartition, Errors> errors = response.errorsByProducerId().getOrDefault(marker.producerId(), Map.of());
            Set<TopicPartition> retry = new HashSet<>();
            for (TopicPartition tp : partitions) {
                Errors e = errors.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR);
                if (e == Errors.INVALID_PRODUCER_EPOCH || e == Errors.TRANSACTION_COORDINATOR_FENCED) {
                    log.warn("Broker {} refused the marker of producer {} in {}: {}", broker, marker.producerId(), tp, e);
                } else if (e != Errors.NONE) {
                    retry.add(tp);
                }
            }
            return retry;
        } catch (IOException | RuntimeException e) {
            log.warn("Sending transaction markers to broker {} at {}:{} failed: {}", broker, endpoint.host(), endpoint.port(), e.toString());
            return partitions;
        }
    }

    @Override
    public void close() {
        closed = true;
        senders.values().forEach(ThreadPoolExecutor::shutdownNow);
        channels.values().forEach(InterBrokerClient::close);
    }
}
