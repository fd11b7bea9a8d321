package io.kafkalite.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses one frame into a {@link KafkaRequest} with the kafka-clients parsers. Like Kafka's
 * SocketServer/RequestChannel, it closes the connection on an unknown API key, an unparsable header
 * or body, and an API version we don't serve (Kafka: InvalidRequestException, then close);
 * ApiVersions of any version goes through (the handler answers UNSUPPORTED_VERSION in the v0 layout).
 * Bytes left over after a parsed body are ignored, as Kafka ignores them: librdkafka 2.15.0 sends
 * Metadata v13 with 3 of them.
 */
public final class RequestDecoder extends MessageToMessageDecoder<ByteBuf> {
    private static final Logger log = LoggerFactory.getLogger(RequestDecoder.class);

    /**
     * A parsed request and the frame its fields point into; the frame is released after the response.
     * {@code receivedNanos}: when its frame was decoded (the start of Kafka's TotalTimeMs).
     */
    record Decoded(KafkaRequest request, ByteBuf frame, boolean rawSaslToken, long receivedNanos) {
        Decoded(KafkaRequest request, ByteBuf frame) {
            this(request, frame, false);
        }

        Decoded(KafkaRequest request, ByteBuf frame, boolean rawSaslToken) {
            this(request, frame, rawSaslToken, System.nanoTime());
        }

        /** This request as sent by the connection's current principal (differs only for frames decoded before authentication completed). */
        Decoded withPrincipalOf(Connection connection) {
            RequestContext c = request.context();
            if (c.principal == connection.principal()) {
                return this;
            }
            RequestContext context = new RequestContext(c.header, c.connectionId, c.clientAddress, c.clientPort, connection.principal(),
                    c.listenerName, c.securityProtocol, c.clientInformation, c.fromPrivilegedListener);
            return new Decoded(new KafkaRequest(context, request.body(), request.eventLoop(), request.closeFuture(), connection), frame,
                    rawSaslToken, receivedNanos);
        }
    }

    private final RequestDispatcher dispatcher;
    private final Connection connection;
    private ClientInformation clientInformation = ClientInformation.EMPTY;
    private boolean authenticateSeen;
    private String connectionId;

    public RequestDecoder(RequestDispatcher dispatcher, Connection connection) {
        this.dispatcher = dispatcher;
        this.connection = connection;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        if (connection.expectsRawSaslTokens()) {
            out.add(rawSaslToken(ctx, frame));
            return;
        }
        ByteBuffer buffer = frame.nioBuffer();
        RequestHeader header;
        try {
            header = RequestHeader.parse(buffer);
        } catch (RuntimeException e) {
            reject(ctx, "unparsable request header (" + e.getMessage() + ")");
            return;
        }
        ApiKeys api = header.apiKey();
        if (!connection.isAuthenticated() && !Connection.servedBeforeAuthentication(api) && !authenticateSeen) {
            // as Kafka's SaslServerAuthenticator: refused from the header, its body never parsed
            reject(ctx, "unexpected " + api + " request before authentication");
            return;
        }
        if (api == ApiKeys.SASL_AUTHENTICATE) {
            authenticateSeen = true; // a request pipelined behind it is parsed; the responder serves it only once authenticated
        }
        if (api != ApiKeys.API_VERSIONS && !dispatcher.isSupported(api, header.apiVersion())) {
            reject(ctx, api + " v" + header.apiVersion() + " is not supported by this broker");
            return;
        }
        InetSocketAddress remote = connection.remote();
        RequestContext context = new RequestContext(header, connectionId(ctx), remote.getAddress(), Optional.of(remote.getPort()),
                connection.principal(), connection.listener(), connection.protocol(), clientInformation, false);
        RequestAndSize parsed;
        try {
            parsed = context.parseRequest(buffer);
        } catch (RuntimeException e) {
            reject(ctx, "unparsable " + api + " v" + header.apiVersion() + " request (" + e.getMessage() + ")");
            return;
        }
        if (buffer.hasRemaining() && log.isDebugEnabled()
                && !(parsed.request instanceof ApiVersionsRequest avr && avr.hasUnsupportedRequestVersion())) {
            log.debug("Ignoring {} bytes after the body of {} v{} from {}", buffer.remaining(), api, header.apiVersion(),
                    ctx.channel().remoteAddress());
        }
        if (parsed.request instanceof ApiVersionsRequest avr && avr.isValid() && header.apiVersion() >= 3) {
            clientInformation = new ClientInformation(avr.data().clientSoftwareName(), avr.data().clientSoftwareVersion());
        }
        out.add(new Decoded(new KafkaRequest(context, parsed.request, ctx.channel().eventLoop(), ctx.channel().closeFuture(), connection), frame.retain()));
    }

    /** A bare SASL token (after SaslHandshake v0), served as a SaslAuthenticate v0 whose response is written bare too. */
    private Decoded rawSaslToken(ChannelHandlerContext ctx, ByteBuf frame) {
        byte[] token = new byte[frame.readableBytes()];
        frame.getBytes(frame.readerIndex(), token);
        RequestHeader header = new RequestHeader(ApiKeys.SASL_AUTHENTICATE, (short) 0, "", -1);
        InetSocketAddress remote = connection.remote();
        RequestContext context = new RequestContext(header, connectionId(ctx), remote.getAddress(), Optional.of(remote.getPort()),
                connection.principal(), connection.listener(), connection.protocol(), clientInformation, false);
        SaslAuthenticateRequest body = new SaslAuthenticateRequest(new SaslAuthenticateRequestData().setAuthBytes(token), (short) 0);
        authenticateSeen = true;
        return new Decoded(new KafkaRequest(context, body, ctx.channel().eventLoop(), ctx.channel().closeFuture(), connection),
                frame.retain(), true);
    }

    private String connectionId(ChannelHandlerContext ctx) {
        if (connectionId == null) {
            connectionId = ctx.channel().localAddress() + "-" + ctx.channel().remoteAddress();
        }
        return connectionId;
    }

    private void reject(ChannelHandlerContext ctx, String why) {
        log.warn("Closing connection from {}: {}", ctx.channel().remoteAddress(), why);
        ctx.close();
    }
}
