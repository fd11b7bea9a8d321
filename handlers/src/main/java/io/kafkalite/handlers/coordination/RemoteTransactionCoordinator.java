package io.kafkalite.handlers.coordination;

import io.kafkalite.cluster.BrokerRegistration;
import io.kafkalite.cluster.MetadataQuorum;
import io.kafkalite.groups.Coordinators;
import io.kafkalite.handlers.replication.InterBrokerClient;
import io.kafkalite.handlers.replication.InterBrokerSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a partition leader that does not coordinate checks a transactional produce with the coordinator (the
 * {@link CoordinatorSeat} holder): AddPartitionsToTxn v4+ over the inter-broker listener, verify_only for Transactions V1 producers,
 * an add for V2 ones (Kafka's AddPartitionsToTxnManager). One sender thread, one request at a time; when the
 * coordinator cannot be reached the partitions get NOT_COORDINATOR, which the produce answers as a retriable error.
 */
public final class RemoteTransactionCoordinator implements Coordinators.RemoteTransactions, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RemoteTransactionCoordinator.class);
    private static final int QUEUE = 1000;

    private final MetadataQuorum quorum;
    private final java.util.function.IntSupplier coordinator;
    private final String listener;
    private final InterBrokerClient channel;
    private final ThreadPoolExecutor sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
        Thread t = new Thread(r, "txn-verification");
        t.setDaemon(true);
        return t;
    });

    /** @param interBroker the inter-broker listener the coordinator is reached on */
    public RemoteTransactionCoordinator(MetadataQuorum quorum, InterBrokerSecurity interBroker) {
        this(quorum, quorum::leaderId, interBroker);
    }

    /** @param coordinator the node id of the coordinators ({@link CoordinatorSeat#holder}), -1 when there is none */
    public RemoteTransactionCoordinator(MetadataQuorum quorum, java.util.function.IntSupplier coordinator, InterBrokerSecurity interBroker) {
        this.quorum = quorum;
        this.coordinator = coordinator;
        this.listener = interBroker.listener();
        this.channel = new InterBrokerClient("txn-verification-" + quorum.nodeId(), InterBrokerClient.Limits.REQUESTS, interBroker);
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                                       Set<TopicPartition> partitions, boolean verifyOnly) {
        CompletableFuture<Map<TopicPartition, Errors>> result = new CompletableFuture<>();
        try {
            sender.execute(() -> result.complete(send(transactionalId, producerId, producerEpoch, partitions, verifyOnly)));
        } catch (RejectedExecutionException full) {
            result.complete(all(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        return result;
    }

    private Map<TopicPartition, Errors> send(String transactionalId, long producerId, short producerEpoch, Set<TopicPartition> partitions,
                                             boolean verifyOnly) {
        int coordinatorId = coordinator.getAsInt();
        BrokerRegistration broker = coordinatorId < 0 ? null : quorum.image().broker(coordinatorId);
        BrokerRegistration.HostPort endpoint = broker == null ? null : broker.endpoints().get(listener);
        if (endpoint == null) {
            return all(partitions, Errors.COORDINATOR_NOT_AVAILABLE);
        }
        AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
        Map<String, AddPartitionsToTxnTopic> byName = new HashMap<>();
        for (TopicPartition tp : partitions) {
            byName.computeIfAbsent(tp.topic(), name -> {
                AddPartitionsToTxnTopic t = new AddPartitionsToTxnTopic().setName(name);
                topics.add(t);
                return t;
            }).partitions().add(tp.partition());
        }
        AddPartitionsToTxnTransactionCollection transactions = new AddPartitionsToTxnTransactionCollection();
        transactions.add(new AddPartitionsToTxnTransaction().setTransactionalId(transactionalId).setProducerId(producerId)
                .setProducerEpoch(producerEpoch).setVerifyOnly(verifyOnly).setTopics(topics));
        try {
            AddPartitionsToTxnResponse response = channel.send(new InetSocketAddress(endpoint.host(), endpoint.port()),
                    AddPartitionsToTxnRequest.Builder.forBroker(transactions));
            if (response.data().errorCode() != Errors.NONE.code()) {
                return all(partitions, Errors.forCode(response.data().errorCode()));
            }
            Map<TopicPartition, Errors> errors = new HashMap<>(response.errors().getOrDefault(transactionalId, Map.of()));
            partitions.forEach(tp -> errors.putIfAbsent(tp, Errors.UNKNOWN_SERVER_ERROR));
            return errors;
        } catch (IOException | RuntimeException e) {
            log.warn("Asking the transaction coordinator (broker {}) about {} failed: {}", coordinatorId, transactionalId, e.toString());
            return all(partitions, Errors.NOT_COORDINATOR);
        }
    }

    private static Map<TopicPartition, Errors> all(Set<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> result = new HashMap<>();
        partitions.forEach(tp -> result.put(tp, error));
        return result;
    }

    @Override
    public void close() {
        sender.shutdownNow();
        channel.close();
    }
}
