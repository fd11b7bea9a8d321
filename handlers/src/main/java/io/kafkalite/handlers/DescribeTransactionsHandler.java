package io.kafkalite.handlers;

import io.kafkalite.groups.TransactionCoordinator;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;

/** DescribeTransactions, v0: state, producer id and epoch, timeout, start time and partitions per id; TRANSACTIONAL_ID_NOT_FOUND otherwise. */
public final class DescribeTransactionsHandler implements Handler<DescribeTransactionsRequest> {
    private final TransactionCoordinator transactions;

    public DescribeTransactionsHandler(TransactionCoordinator transactions) {
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_TRANSACTIONS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, DescribeTransactionsRequest body) {
        return transactions.describe(body.data().transactionalIds()).thenApply(states -> {
            DescribeTransactionsResponseData data = new DescribeTransactionsResponseData();
            data.transactionStates().addAll(states);
            return new DescribeTransactionsResponse(data);
        });
    }
}
