package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;

/**
 * DescribeProducers, v0: the producers a partition remembers, with epoch, last sequence, last
 * timestamp, coordinator epoch and the start offset of the open transaction (-1 when none), which is
 * what {@code kafka-transactions describe-producers} and {@code find-hanging} read.
 */
public final class DescribeProducersHandler implements Handler.Immediate<DescribeProducersRequest> {
    private final LogStore store;

    public DescribeProducersHandler(LogStore store) {
        this.store = store;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_PRODUCERS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeProducersRequest body) {
        DescribeProducersResponseData data = new DescribeProducersResponseData();
        for (TopicRequest t : body.data().topics()) {
            TopicResponse tr = new TopicResponse().setName(t.name());
            for (int p : t.partitionIndexes()) {
                PartitionResponse pr = new PartitionResponse().setPartitionIndex(p);
                PartitionLog partition = store.partition(new TopicPartition(t.name(), p));
                if (partition == null) {
                    pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    pr.setErrorCode(Errors.NONE.code());
                    partition.producers().forEach((pid, e) -> pr.activeProducers().add(new ProducerState().setProducerId(pid)
                            .setProducerEpoch(e.epoch()).setLastSequence(e.lastSequence()).setLastTimestamp(e.lastTimestamp())
                            .setCoordinatorEpoch(e.coordinatorEpoch()).setCurrentTxnStartOffset(e.currentTxnFirstOffset())));
                }
                tr.partitions().add(pr);
            }
            data.topics().add(tr);
        }
        return new DescribeProducersResponse(data);
    }
}
