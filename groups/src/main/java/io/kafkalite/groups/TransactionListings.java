package io.kafkalite.groups;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;

/** What DescribeTransactions and ListTransactions show of the coordinator's transactional ids. */
final class TransactionListings {
    private TransactionListings() { }

    /** One id's state, partitions, producer and timing; TRANSACTIONAL_ID_NOT_FOUND for an unknown id ({@code m} null). */
    static DescribeTransactionsResponseData.TransactionState describe(String id, TransactionMetadata m) {
        DescribeTransactionsResponseData.TransactionState s = new DescribeTransactionsResponseData.TransactionState().setTransactionalId(id);
        if (id == null || id.isEmpty()) {
            return s.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        if (m == null) {
            return s.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
        }
        s.setErrorCode(Errors.NONE.code()).setTransactionState(m.state.kafkaName).setTransactionTimeoutMs(m.timeoutMs)
                .setTransactionStartTimeMs(m.startTimestamp).setProducerId(m.producerId).setProducerEpoch(m.producerEpoch);
        Map<String, DescribeTransactionsResponseData.TopicData> topics = new TreeMap<>();
        for (TopicPartition tp : m.partitions) {
            topics.computeIfAbsent(tp.topic(), t -> new DescribeTransactionsResponseData.TopicData().setTopic(t)).partitions().add(tp.partition());
        }
        topics.values().forEach(s.topics()::add);
        return s;
    }

    /**
     * The ids matching every filter: state names (unknown names are returned in {@code unknownStateFilters}),
     * producer ids, a minimum running time ({@code durationFilterMs}, -1 for none) and a regular expression over
     * the id (null or empty for none).
     */
    static ListTransactionsResponseData list(Collection<TransactionMetadata> all, Set<String> states, Set<Long> producerIds,
                                             long durationFilterMs, String idPattern, long now) {
        ListTransactionsResponseData data = new ListTransactionsResponseData().setErrorCode(Errors.NONE.code());
        Set<String> known = new HashSet<>();
        for (TransactionState s : TransactionState.values()) {
            known.add(s.kafkaName);
        }
        states.stream().filter(s -> !known.contains(s)).forEach(data.unknownStateFilters()::add);
        Pattern pattern;
        try {
            pattern = idPattern == null || idPattern.isEmpty() ? null : Pattern.compile(idPattern);
        } catch (java.util.regex.PatternSyntaxException e) {
            return data.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code());
        }
        for (TransactionMetadata m : all) {
            boolean match = (states.isEmpty() || states.contains(m.state.kafkaName))
                    && (producerIds.isEmpty() || producerIds.contains(m.producerId))
                    && (durationFilterMs < 0 || (m.state == TransactionState.ONGOING && now - m.startTimestamp > durationFilterMs))
                    && (pattern == null || pattern.matcher(m.transactionalId).matches());
            if (match) {
                data.transactionStates().add(new ListTransactionsResponseData.TransactionState().setTransactionalId(m.transactionalId)
                        .setProducerId(m.producerId).setTransactionState(m.state.kafkaName));
            }
        }
        return data;
    }
}
