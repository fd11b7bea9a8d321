package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.wire.KafkaRequest;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
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
import org.apache.kafka.common.resource.ResourceType;

/**
 * DescribeProducers, v0: the producers a partition remembers, with epoch, last sequence, last
 * timestamp, coordinator epoch and the start offset of the open transaction (-1 when none), which is
 * what {@code kafka-transactions describe-producers} and {@code find-hanging} read.
 * Each topic needs READ, else TOPIC_AUTHORIZATION_FAILED for its partitions, as Kafka.
 */
public final class DescribeProducersHandler implements Handler.Immediate<DescribeProducersRequest> {
    private final LogStore store;
    private final Authorization authorization;

    public DescribeProducersHandler(LogStore store, Authorization authorization) {
        this.store = store;
        this.authorization = authorization;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_PRODUCERS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, DescribeProducersRequest body) {
        DescribeProducersResponseData data = new DescribeProducersResponseData();
        Set<String> denied = authorization.denied(request, AclOperation.READ, ResourceType.TOPIC, body.data().topics(), TopicRequest::name);
        for (TopicRequest t : body.data().topics()) {
            TopicResponse tr = new TopicResponse().setName(t.name());
            for (int p : t.partitionIndexes()) {
                PartitionResponse pr = new PartitionResponse().setPartitionIndex(p);
                TopicPartition tp = new TopicPartition(t.name(), p);
                PartitionLog partition = store.partition(tp);
                if (denied.contains(t.name())) {
                    pr.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message());
                } else if (partition == null) {
                    pr.setErrorCode(MissingPartition.error(store, tp).code());
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
