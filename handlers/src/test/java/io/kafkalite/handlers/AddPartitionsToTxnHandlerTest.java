package io.kafkalite.handlers;

import static io.kafkalite.handlers.HandlerCalls.answer;
import static io.kafkalite.handlers.HandlerCalls.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.groups.GroupConfig;
import io.kafkalite.groups.GroupCoordinator;
import io.kafkalite.groups.TransactionConfig;
import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.logstore.LogStore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * AddPartitionsToTxn v4+, the batched form a partition leader sends its transaction coordinator: each transaction of
 * the batch is added or verified under its own id (the v0-v3 normalization must not touch it: it would replace the
 * batch by one empty transaction).
 */
class AddPartitionsToTxnHandlerTest {
    private static final TopicPartition ORDERS = new TopicPartition("orders", 0);
    private static final TopicPartition PAYMENTS = new TopicPartition("payments", 0);

    private final LogStore store = LogStore.inMemory(Map.of());
    private final GroupCoordinator groups = new GroupCoordinator(new InlineScheduler(), GroupConfig.defaults(), store.durableMap("offsets"),
            store.durableMap("groups"), Handlers.topicsView(store));
    private final TransactionCoordinator transactions = new TransactionCoordinator(new InlineScheduler(), TransactionConfig.from(Map.of()),
            store.durableMap("transactions"), store::newProducerId, (pid, epoch, coordinatorEpoch, commit, partitions) ->
            CompletableFuture.completedFuture(Set.of()), groups);
    private final AddPartitionsToTxnHandler handler = new AddPartitionsToTxnHandler(store,
            Coordinators.of(groups, transactions, store::newProducerId), Authorization.NONE);

    @BeforeEach
    void topics() throws Exception {
        store.createTopic("orders", 1, Map.of());
        store.createTopic("payments", 1, Map.of());
    }

    @AfterEach
    void close() {
        transactions.close();
        groups.close();
        store.close();
    }

    @Test
    void eachTransactionOfABatchIsAddedAndVerifiedUnderItsOwnId() throws Exception {
        TransactionCoordinator.ProducerIdAndEpoch tx = transactions.initProducerId("tx", 30_000, -1, (short) -1).get(10, TimeUnit.SECONDS);
        for (short version = 4; version <= handler.maxVersion(); version++) {
            AddPartitionsToTxnResponse added = answer(handler, request(ApiKeys.ADD_PARTITIONS_TO_TXN, batch(
                    transaction("tx", tx.producerId(), tx.producerEpoch(), false, "orders"),
                    transaction("unknown", 4242, (short) 0, false, "payments")), version));
            assertEquals(Map.of("tx", Map.of(ORDERS, Errors.NONE), "unknown", Map.of(PAYMENTS, Errors.INVALID_PRODUCER_ID_MAPPING)),
                    added.errors(), "v" + version);

            AddPartitionsToTxnResponse verified = answer(handler, request(ApiKeys.ADD_PARTITIONS_TO_TXN, batch(
                    transaction("tx", tx.producerId(), tx.producerEpoch(), true, "orders", "payments")), version));
            assertEquals(Map.of("tx", Map.of(ORDERS, Errors.NONE, PAYMENTS, Errors.TRANSACTION_ABORTABLE)), verified.errors(),
                    "v" + version + ": orders joined the open transaction, payments did not");
        }
    }

    private static AddPartitionsToTxnRequestData batch(AddPartitionsToTxnTransaction... transactions) {
        AddPartitionsToTxnTransactionCollection all = new AddPartitionsToTxnTransactionCollection();
        for (AddPartitionsToTxnTransaction t : transactions) {
            all.add(t);
        }
        return new AddPartitionsToTxnRequestData().setTransactions(all);
    }

    private static AddPartitionsToTxnTransaction transaction(String id, long producerId, short epoch, boolean verifyOnly, String... topics) {
        AddPartitionsToTxnTopicCollection collection = new AddPartitionsToTxnTopicCollection();
        for (String t : topics) {
            collection.add(new AddPartitionsToTxnTopic().setName(t).setPartitions(List.of(0)));
        }
        return new AddPartitionsToTxnTransaction().setTransactionalId(id).setProducerId(producerId).setProducerEpoch(epoch)
                .setVerifyOnly(verifyOnly).setTopics(collection);
    }
}
