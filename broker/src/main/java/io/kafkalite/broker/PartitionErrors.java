package io.kafkalite.broker;

import io.kafkalite.wire.CloseConnectionException;
import io.kafkalite.wire.KafkaRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;

/**
 * A fault's error for only the partitions of a Produce or Fetch that its topic filter matches, as
 * Kafka reports a partition's error: the other partitions are handled as usual (a Fetch of them
 * without waiting, since Kafka answers at once when a partition has an error) and both answers are
 * merged into one response. A faulted Fetch is served without a fetch session (KIP-227): an incremental
 * one is told FETCH_SESSION_ID_NOT_FOUND, so every fetch names its partitions while the fault lasts.
 */
final class PartitionErrors {
    private PartitionErrors() { }

    /**
     * @param handlers hands a request (the partitions left) to the handlers
     */
    static CompletableFuture<AbstractResponse> inject(KafkaRequest request, Fault fault, ApiException error, Function<Uuid, String> topicNames,
                                                      Function<KafkaRequest, CompletableFuture<AbstractResponse>> handlers) {
        return request.body() instanceof ProduceRequest produce
                ? produce(request, produce, fault, error, topicNames, handlers)
                : fetch(request, (FetchRequest) request.body(), fault, error, topicNames, handlers);
    }

    private static CompletableFuture<AbstractResponse> produce(KafkaRequest request, ProduceRequest body, Fault fault, ApiException error,
                                                               Function<Uuid, String> topicNames,
                                                               Function<KafkaRequest, CompletableFuture<AbstractResponse>> handlers) {
        ProduceRequestData.TopicProduceDataCollection hit = new ProduceRequestData.TopicProduceDataCollection();
        ProduceRequestData.TopicProduceDataCollection rest = new ProduceRequestData.TopicProduceDataCollection();
        for (ProduceRequestData.TopicProduceData t : body.data().topicData()) {
            String name = RequestSubjects.name(t.name(), t.topicId(), topicNames);
            List<ProduceRequestData.PartitionProduceData> hitPartitions = new ArrayList<>();
            List<ProduceRequestData.PartitionProduceData> restPartitions = new ArrayList<>();
            for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                (fault.matches(name, p.index()) ? hitPartitions : restPartitions).add(p);
            }
            addTopic(hit, t, hitPartitions);
            addTopic(rest, t, restPartitions);
        }
        CompletableFuture<AbstractResponse> handled = rest.isEmpty() ? CompletableFuture.completedFuture(null)
                : handlers.apply(with(request, new ProduceRequest(withTopics(body.data(), rest), body.version())));
        if (body.acks() == 0) { // no response to carry the error: Kafka closes the connection so the producer notices
            return handled.handle((response, e) -> {
                throw new CloseConnectionException("fault injected on a Produce with acks=0: " + fault);
            });
        }
        ProduceResponse errors = new ProduceRequest(withTopics(body.data(), hit), body.version()).getErrorResponse(0, error);
        return rest.isEmpty() ? CompletableFuture.completedFuture(errors)
                : handled.thenApply(response -> merge((ProduceResponse) response, errors));
    }

    private static void addTopic(ProduceRequestData.TopicProduceDataCollection into, ProduceRequestData.TopicProduceData topic,
                                 List<ProduceRequestData.PartitionProduceData> partitions) {
        if (!partitions.isEmpty()) {
            into.add(new ProduceRequestData.TopicProduceData().setName(topic.name()).setTopicId(topic.topicId()).setPartitionData(partitions));
        }
    }

    private static ProduceRequestData withTopics(ProduceRequestData data, ProduceRequestData.TopicProduceDataCollection topics) {
        return new ProduceRequestData().setTransactionalId(data.transactionalId()).setAcks(data.acks()).setTimeoutMs(data.timeoutMs())
                .setTopicData(topics);
    }

    private static AbstractResponse merge(ProduceResponse response, ProduceResponse errors) {
        ProduceResponseData.TopicProduceResponseCollection topics = response.data().responses();
        for (ProduceResponseData.TopicProduceResponse t : errors.data().responses()) {
            ProduceResponseData.TopicProduceResponse into = topics.find(t.name(), t.topicId());
            if (into == null) {
                into = new ProduceResponseData.TopicProduceResponse().setName(t.name()).setTopicId(t.topicId());
                topics.add(into);
            }
            into.setPartitionResponses(concat(into.partitionResponses(), t.partitionResponses()));
        }
        return response;
    }

    private static CompletableFuture<AbstractResponse> fetch(KafkaRequest request, FetchRequest body, Fault fault, ApiException error,
                                                             Function<Uuid, String> topicNames,
                                                             Function<KafkaRequest, CompletableFuture<AbstractResponse>> handlers) {
        if (!body.metadata().isFull()) { // its session may hold the faulted partitions unnamed: the client starts over with a full fetch
            return CompletableFuture.completedFuture(FetchResponse.of(new FetchResponseData().setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code())));
        }
        List<FetchRequestData.FetchTopic> rest = new ArrayList<>();
        List<FetchResponseData.FetchableTopicResponse> errors = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : body.data().topics()) {
            String name = RequestSubjects.name(t.topic(), t.topicId(), topicNames);
            List<FetchRequestData.FetchPartition> restPartitions = new ArrayList<>();
            List<FetchResponseData.PartitionData> errorPartitions = new ArrayList<>();
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                if (fault.matches(name, p.partition())) {
                    errorPartitions.add(FetchResponse.partitionResponse(p.partition(), fault.error()));
                } else {
                    restPartitions.add(p);
                }
            }
            if (!errorPartitions.isEmpty()) {
                errors.add(new FetchResponseData.FetchableTopicResponse().setTopic(t.topic()).setTopicId(t.topicId()).setPartitions(errorPartitions));
            }
            if (!restPartitions.isEmpty()) {
                rest.add(new FetchRequestData.FetchTopic().setTopic(t.topic()).setTopicId(t.topicId()).setPartitions(restPartitions));
            }
        }
        if (rest.isEmpty()) {
            return CompletableFuture.completedFuture(FetchResponse.of(new FetchResponseData().setResponses(errors)));
        }
        // served without a session (id 0 in the answer), so the client's next fetch names every partition again
        FetchRequestData restData = body.data().duplicate().setTopics(rest).setMaxWaitMs(0)
                .setSessionId(FetchMetadata.INVALID_SESSION_ID).setSessionEpoch(FetchMetadata.FINAL_EPOCH);
        return handlers.apply(with(request, new FetchRequest(restData, body.version()))).thenApply(response -> {
            FetchResponseData data = ((FetchResponse) response).data();
            if (data.errorCode() == 0) { // (a whole-request error, such as a fetch session's, stands alone)
                data.setResponses(concat(data.responses(), errors));
            }
            return response;
        });
    }

    private static KafkaRequest with(KafkaRequest request, AbstractRequest body) {
        return new KafkaRequest(request.context(), body, request.eventLoop(), request.closeFuture(), request.connection());
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
