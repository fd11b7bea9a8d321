package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.ListTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ListTransactions, v0-v2: filtered by state, producer id, running time (v1+, -1 for none) and a regular
 * expression over the transactional id (v2+); unknown state names come back in {@code unknown_state_filters}.
 * Only transactional ids the principal may DESCRIBE are listed, as Kafka.
 */
public final class ListTransactionsHandler implements Handler<ListTransactionsRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public ListTransactionsHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_TRANSACTIONS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ListTransactionsRequest body) {
        var d = body.data();
        if (!coordinators.isActive()) { // a cluster broker that coordinates nothing now lists no transactions, as a Kafka broker does
            return CompletableFuture.completedFuture(new ListTransactionsResponse(new org.apache.kafka.common.message.ListTransactionsResponseData()));
        }
        return coordinators.transactions().list(new HashSet<>(d.stateFilters()), new HashSet<>(d.producerIdFilters()), d.durationFilter(),
                d.transactionalIdPattern()).thenApply(data -> {
                    if (authorization.enabled()) {
                        Set<String> hidden = authorization.denied(request, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID,
                                data.transactionStates(), TransactionState::transactionalId);
                        data.transactionStates().removeIf(st -> hidden.contains(st.transactionalId()));
                    }
                    return new ListTransactionsResponse(data);
                });
    }
}
