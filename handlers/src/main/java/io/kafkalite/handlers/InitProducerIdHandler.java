package io.kafkalite.handlers;

import io.kafkalite.logstore.LogStore;
import io.kafkalite.wire.KafkaRequest;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;

/**
 * InitProducerId, v0-v5, for idempotent producers.
 * <ul>
 * <li>Without a transactional id every call gets a fresh producer id with epoch 0, as in Kafka (a
 *     producer that asks to bump its epoch, KIP-360, gets a new id too). Ids are reserved durably in
 *     blocks, so none is handed out twice, also across restarts.</li>
 * <li>Not supported yet: transactional ids (NOT_COORDINATOR: there is no transaction coordinator).</li>
 * </ul>
 */
public final class InitProducerIdHandler implements Handler.Immediate<InitProducerIdRequest> {
    private final LogStore store;

    public InitProducerIdHandler(LogStore store) {
        this.store = store;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    @Override
    public AbstractResponse respond(KafkaRequest request, InitProducerIdRequest body) {
        InitProducerIdResponseData data = new InitProducerIdResponseData();
        if (body.data().transactionalId() != null) {
            return new InitProducerIdResponse(data.setErrorCode(Errors.NOT_COORDINATOR.code()).setProducerId(-1).setProducerEpoch((short) -1));
        }
        return new InitProducerIdResponse(data.setErrorCode(Errors.NONE.code()).setProducerId(store.newProducerId()).setProducerEpoch((short) 0));
    }
}
