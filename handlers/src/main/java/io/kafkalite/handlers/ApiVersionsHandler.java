package io.kafkalite.handlers;

import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;

/**
 * ApiVersions, v0-v5 (v3+ carry the client's software name and version, KIP-511).
 * <ul>
 * <li>Lists exactly the APIs and versions the {@link HandlerRegistry} serves.</li>
 * <li>A version newer than we know is answered with UNSUPPORTED_VERSION in the v0 layout, with our
 *     ranges, so the client retries with a version we serve. The response header is always v0
 *     (the wire layer takes that from kafka-clients' {@code ApiKeys.API_VERSIONS}).</li>
 * <li>A v3+ request whose client name or version is not a valid KIP-511 string gets INVALID_REQUEST.</li>
 * <li>Features (v3+): {@code transaction.version} is supported up to 2 and finalized at 2, as on Kafka 4
 *     with Transactions V2 enabled, so 4.x producers use KIP-890's protocol; older ones ignore it. Below v4
 *     the supported feature is left out, as Kafka leaves out every feature whose minimum is 0: clients from 3.0
 *     to 3.8 refuse such a range and fail (KAFKA-17492).</li>
 * </ul>
 */
public final class ApiVersionsHandler implements Handler.Immediate<ApiVersionsRequest> {
    private static final String TRANSACTION_VERSION = "transaction.version";
    private static final short TRANSACTIONS_V2 = 2;
    /** The features never change on this broker; clients compare epochs to notice changes. */
    private static final long FEATURES_EPOCH = 1;

    private final HandlerRegistry registry;

    public ApiVersionsHandler(HandlerRegistry registry) {
        this.registry = registry;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.API_VERSIONS;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, ApiVersionsRequest body) {
        ApiVersionsResponseData data = new ApiVersionsResponseData().setApiKeys(registry.apiVersions());
        if (body.hasUnsupportedRequestVersion()) {
            return new ApiVersionsResponse(data.setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        }
        if (!body.isValid()) {
            return new ApiVersionsResponse(data.setErrorCode(Errors.INVALID_REQUEST.code()));
        }
        if (body.version() >= 4) {
            data.supportedFeatures().add(new ApiVersionsResponseData.SupportedFeatureKey().setName(TRANSACTION_VERSION)
                    .setMinVersion((short) 0).setMaxVersion(TRANSACTIONS_V2));
        }
        data.finalizedFeatures().add(new ApiVersionsResponseData.FinalizedFeatureKey().setName(TRANSACTION_VERSION)
                .setMinVersionLevel(TRANSACTIONS_V2).setMaxVersionLevel(TRANSACTIONS_V2));
        return new ApiVersionsResponse(data.setErrorCode(Errors.NONE.code()).setFinalizedFeaturesEpoch(FEATURES_EPOCH));
    }
}
