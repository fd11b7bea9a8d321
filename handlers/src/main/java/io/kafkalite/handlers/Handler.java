package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * Serves one Kafka API. The versions it declares are what ApiVersions advertises; by default every
 * version the kafka-clients jar knows as stable, which is what Apache Kafka of the same release serves.
 */
public interface Handler<T extends AbstractRequest> {
    ApiKeys apiKey();

    default short minVersion() {
        return apiKey().oldestVersion();
    }

    default short maxVersion() {
        return apiKey().latestVersion(false);
    }

    /**
     * Answers the request. A thrown {@link org.apache.kafka.common.errors.ApiException} becomes the whole
     * request's error response; the future may complete later (long polls) and with null for no response.
     */
    CompletableFuture<AbstractResponse> handle(KafkaRequest request, T body) throws Exception;

    /** For handlers that answer at once. */
    interface Immediate<T extends AbstractRequest> extends Handler<T> {
        AbstractResponse respond(KafkaRequest request, T body) throws Exception;

        @Override
        default CompletableFuture<AbstractResponse> handle(KafkaRequest request, T body) throws Exception {
            return CompletableFuture.completedFuture(respond(request, body));
        }
    }
}
