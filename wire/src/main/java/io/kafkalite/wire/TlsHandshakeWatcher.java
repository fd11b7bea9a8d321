package io.kafkalite.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates an SSL connection when its TLS handshake completes, and closes it with one log line
 * naming the client when the handshake fails (untrusted or missing client certificate, a plaintext
 * client on a TLS port, no common protocol), as Kafka logs a failed authentication.
 */
final class TlsHandshakeWatcher extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsHandshakeWatcher.class);

    private final Connection connection;
    private final ListenerSpec.CertificatePrincipal certificatePrincipal;

    TlsHandshakeWatcher(Connection connection, ListenerSpec.CertificatePrincipal certificatePrincipal) {
        this.connection = connection;
        this.certificatePrincipal = certificatePrincipal;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                var session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                try {
                    connection.tlsEstablished(session, certificatePrincipal.of(session, connection.remote().getAddress()));
                } catch (RuntimeException e) {
                    log.info("Failed authentication with {} (principal of the TLS session: {})", connection.remote(), e.toString());
                    ctx.close();
                    return;
                }
            } else {
                log.info("Failed authentication with {} (SSL handshake failed: {})", connection.remote(), rootMessage(done.cause()));
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (connection.sslSession() == null) { // handshake-time garbage: the failure is logged above
            log.debug("Closing connection from {} during the TLS handshake: {}", connection.remote(), rootMessage(cause));
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }
}
