package io.kafkalite.wire;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestContext;

/**
 * One parsed request. Its byte fields (record batches above all) are views on the frame, which stays
 * alive until the response future completes. {@code eventLoop} runs the connection: handlers that
 * complete later (long-poll fetches) schedule their timers on it; {@code closeFuture} completes when the
 * connection closes, so work parked for it can be dropped. {@code connection} is its security state
 * (the principal is also in the context); null in unit tests that need none.
 */
public record KafkaRequest(RequestContext context, AbstractRequest body, EventLoop eventLoop, ChannelFuture closeFuture,
                           Connection connection) {
    public KafkaRequest(RequestContext context, AbstractRequest body, EventLoop eventLoop, ChannelFuture closeFuture) {
        this(context, body, eventLoop, closeFuture, null);
    }
}
