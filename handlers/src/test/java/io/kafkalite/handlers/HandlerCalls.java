package io.kafkalite.handlers;

import io.kafkalite.wire.Connection;
import io.kafkalite.wire.KafkaRequest;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Calls a handler as the wire does, without a socket: the request data is serialized at the version and
 * parsed back by kafka-clients (so fields the version lacks are gone, as they would be), the handler answers
 * with a plain context, and its response is serialized at the same version and parsed back, as the client
 * would see it (a field the version cannot carry fails here).
 */
final class HandlerCalls {
    private HandlerCalls() { }

    /** {@code data} as a client would send it at {@code version}, parsed by kafka-clients. */
    @SuppressWarnings("unchecked")
    static <T extends AbstractRequest> T request(ApiKeys api, ApiMessage data, short version) {
        return (T) AbstractRequest.parseRequest(api, version, MessageUtil.toByteBufferAccessor(data, version)).request;
    }

    static KafkaRequest context(AbstractRequest body) {
        return context(body, KafkaPrincipal.ANONYMOUS);
    }

    /** {@code body} as sent by {@code principal}. */
    static KafkaRequest context(AbstractRequest body, KafkaPrincipal principal) {
        RequestHeader header = new RequestHeader(body.apiKey(), body.version(), "handler-test", 7);
        RequestContext context = new RequestContext(header, "handler-test-connection", InetAddress.getLoopbackAddress(),
                principal, ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT), SecurityProtocol.PLAINTEXT,
                ClientInformation.EMPTY, false);
        return new KafkaRequest(context, body, null, null);
    }

    /** The request as it arrives on {@code connection}, with its listener, protocol and principal. */
    static KafkaRequest context(AbstractRequest body, Connection connection) {
        RequestHeader header = new RequestHeader(body.apiKey(), body.version(), "handler-test", 7);
        RequestContext context = new RequestContext(header, "handler-test-connection", InetAddress.getLoopbackAddress(),
                connection.principal(), connection.listener(), connection.protocol(), ClientInformation.EMPTY, false);
        return new KafkaRequest(context, body, null, null, connection);
    }

    /** The handler's response to {@code body} sent on {@code connection}, as the client parses it. */
    @SuppressWarnings("unchecked")
    static <T extends AbstractRequest, R extends AbstractResponse> R answer(Handler<T> handler, T body, Connection connection)
            throws Exception {
        AbstractResponse response = handler.handle(context(body, connection), body).get(10, TimeUnit.SECONDS);
        return (R) AbstractResponse.parseResponse(body.apiKey(), MessageUtil.toByteBufferAccessor(response.data(), body.version()),
                body.version());
    }

    /** The handler's future for {@code body}, as it returned it. */
    static <T extends AbstractRequest> CompletableFuture<AbstractResponse> handle(Handler<T> handler, T body) throws Exception {
        return handler.handle(context(body), body);
    }

    /** The handler's response to {@code body}, as the client parses it. */
    static <T extends AbstractRequest, R extends AbstractResponse> R answer(Handler<T> handler, T body) throws Exception {
        return answer(handler, body, KafkaPrincipal.ANONYMOUS);
    }

    /** The handler's response to {@code body} sent by {@code principal}, as the client parses it. */
    @SuppressWarnings("unchecked")
    static <T extends AbstractRequest, R extends AbstractResponse> R answer(Handler<T> handler, T body, KafkaPrincipal principal)
            throws Exception {
        AbstractResponse response = handler.handle(context(body, principal), body).get(10, TimeUnit.SECONDS);
        if (response == null) {
            throw new AssertionError(handler.apiKey() + " v" + body.version() + " gave no response");
        }
        return (R) AbstractResponse.parseResponse(body.apiKey(), MessageUtil.toByteBufferAccessor(response.data(), body.version()),
                body.version());
    }
}
