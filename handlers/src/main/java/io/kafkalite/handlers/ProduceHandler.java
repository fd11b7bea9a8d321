package io.kafkalite.handlers;

import io.kafkalite.logstore.AppendResult;
import io.kafkalite.logstore.LogStore;
import io.kafkalite.logstore.PartitionLog;
import io.kafkalite.logstore.Topic;
import io.kafkalite.wire.CloseConnectionException;
import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequiredAcksException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.UnsupportedCompressionTypeException;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce, v3-v13 (v13 names topics by id, KIP-516).
 * <ul>
 * <li>acks 0, 1 and -1. On one broker -1 means what 1 means: the batch is in the OS (written, fsynced
 *     only per {@code flush.messages}/{@code flush.ms}) before the answer, so a broker crash loses
 *     nothing acknowledged; a topic with {@code min.insync.replicas} > 1 gives NOT_ENOUGH_REPLICAS for
 *     acks=-1, as Kafka does with a single in-sync replica. acks=0 has no response; if such a produce
 *     fails the connection is closed, as Kafka does, so the client notices.</li>
 * <li>Each partition's data is checked (exactly one v2 batch, CRC, sizes, record count, timestamps,
 *     keys on compacted topics) and fails alone with CORRUPT_MESSAGE, INVALID_RECORD,
 *     MESSAGE_TOO_LARGE or INVALID_TIMESTAMP; other partitions of the request still append.</li>
 * <li>Idempotent producers: duplicates get the original offsets, gaps OUT_OF_ORDER_SEQUENCE_NUMBER,
 *     old epochs INVALID_PRODUCER_EPOCH.</li>
 * <li>zstd before v7 gives UNSUPPORTED_COMPRESSION_TYPE.</li>
 * <li>Not supported yet: transactional batches (INVALID_TXN_STATE) until the transaction coordinator exists.</li>
 * </ul>
 */
public final class ProduceHandler implements Handler<ProduceRequest> {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

    private final LogStore store;

    public ProduceHandler(LogStore store) {
        this.store = store;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.PRODUCE;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(KafkaRequest request, ProduceRequest body) {
        short acks = body.acks();
        ProduceResponseData response = new ProduceResponseData();
        boolean anyError = false;
        long now = System.currentTimeMillis();
        for (TopicProduceData td : body.data().topicData()) {
            Topic topic = body.version() >= 13 ? store.topic(td.topicId()) : store.topic(td.name());
            TopicProduceResponse tr = new TopicProduceResponse().setName(td.name()).setTopicId(td.topicId());
            for (PartitionProduceData pd : td.partitionData()) {
                PartitionProduceResponse pr = new PartitionProduceResponse().setIndex(pd.index());
                try {
                    if (acks != 0 && acks != 1 && acks != -1) {
                        throw new InvalidRequiredAcksException("Invalid required acks " + acks);
                    }
                    if (topic == null) {
                        pr.setErrorCode((body.version() >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                    } else {
                        append(body, topic, pd, acks, now, pr);
                    }
                } catch (ApiException e) {
                    pr.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage())
                            .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                } catch (Exception e) {
                    log.error("Append to {}-{} failed", td.name(), pd.index(), e);
                    pr.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.toString())
                            .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                }
                anyError |= pr.errorCode() != 0;
                tr.partitionResponses().add(pr);
            }
            response.responses().add(tr);
        }
        if (acks == 0) {
            return anyError ? CompletableFuture.failedFuture(new CloseConnectionException("a produce with acks=0 failed"))
                    : CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.completedFuture(new ProduceResponse(response));
    }

    private void append(ProduceRequest body, Topic topic, PartitionProduceData pd, short acks, long now, PartitionProduceResponse pr)
            throws java.io.IOException {
        PartitionLog partition = store.partition(new TopicPartition(topic.name(), pd.index()));
        if (partition == null) {
            pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            return;
        }
        if (acks == -1 && partition.config().intValue("min.insync.replicas") > 1) {
            throw new NotEnoughReplicasException("The size of the current ISR 1 is insufficient to satisfy the min.isr requirement of "
                    + partition.config().intValue("min.insync.replicas") + " for partition " + partition.topicPartition());
        }
        MemoryRecords records = (MemoryRecords) pd.records();
        try {
            ProduceRequest.validateRecords(body.version(), records);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidRecordException(e.getMessage());
        }
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.compressionType() == CompressionType.ZSTD && body.version() < 7) {
                throw new UnsupportedCompressionTypeException("Produce requests before v7 may not use zstd");
            }
            if (batch.isTransactional()) {
                throw new org.apache.kafka.common.errors.InvalidTxnStateException("Transactions are not supported by this broker yet");
            }
        }
        AppendResult result = store.append(partition, records, now);
        pr.setErrorCode(Errors.NONE.code()).setBaseOffset(result.baseOffset())
                .setLogAppendTimeMs(result.logAppendTime() == RecordBatch.NO_TIMESTAMP ? -1 : result.logAppendTime())
                .setLogStartOffset(result.logStartOffset());
    }
}
