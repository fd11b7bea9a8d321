package io.kafkalite.handlers;

import io.kafkalite.groups.Coordinators;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeTransactions, v0: state, producer id and epoch, timeout, start time and partitions per id; TRANSACTIONAL_ID_NOT_FOUND otherwise.
 * An id the principal may not DESCRIBE gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED; partitions of topics it may not
 * DESCRIBE are left out, as Kafka.
 */
public final class DescribeTransactionsHandler implements Handler<DescribeTransactionsRequest> {
    private final Coordinators coordinators;
    private final Authorization authorization;

    public DescribeTransactionsHandler(Coordinators coordinators, Authorization authorization) {
        this.coordinators = coordinators;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_TRANSACTIONS;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, DescribeTransactionsRequest body) {
        List<String> ids = body.data().transactionalIds();
        Set<String> denied = authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, ids);
        List<String> allowed = denied.isEmpty() ? ids : ids.stream().filter(id -> !denied.contains(id)).toList();
        return coordinators.transactions().describe(allowed).thenApply(states -> {
            Map<String, TransactionState> byId = new HashMap<>();
            states.forEach(st -> byId.put(st.transactionalId(), st));
            DescribeTransactionsResponseData data = new DescribeTransactionsResponseData();
            for (String id : ids) {
                data.transactionStates().add(denied.contains(id) ? new TransactionState().setTransactionalId(id)
                        .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()) : byId.get(id));
            }
            if (authorization.enabled()) { // only partitions of topics the principal may describe
                List<String> topics = new ArrayList<>();
                data.transactionStates().forEach(st -> st.topics().forEach(t -> topics.add(t.topic())));
                Set<String> hidden = authorization.deniedNames(request, AclOperation.DESCRIBE, ResourceType.TOPIC, topics);
                data.transactionStates().forEach(st -> st.topics().removeIf(t -> hidden.contains(t.topic())));
            }
            return new DescribeTransactionsResponse(data);
        });
    }
}
