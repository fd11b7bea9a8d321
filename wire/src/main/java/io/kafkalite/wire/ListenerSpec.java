package io.kafkalite.wire;

import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * One listener to serve: where it binds and how its connections are secured.
 * @param host                 bind address ("" or null for all interfaces)
 * @param port                 0 picks a free port
 * @param tls                  the server TLS context for SSL and SASL_SSL listeners, else null
 * @param certificatePrincipal the principal of an SSL connection once its handshake is done
 * @param maxUnauthenticatedFrameBytes the largest frame before a SASL connection has authenticated
 *                             ({@code sasl.server.max.receive.size})
 */
public record ListenerSpec(ListenerName name, String host, int port, SecurityProtocol protocol, SslContext tls,
                           CertificatePrincipal certificatePrincipal, int maxUnauthenticatedFrameBytes) {
    /** The principal a completed TLS session authenticates (the client certificate's, mapped; or ANONYMOUS). */
    @FunctionalInterface
    public interface CertificatePrincipal {
        KafkaPrincipal of(SSLSession session, InetAddress client);
    }

    public ListenerSpec {
        boolean encrypted = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
        if (encrypted != (tls != null)) {
            throw new IllegalArgumentException("Listener " + name + " (" + protocol + ") " + (encrypted ? "needs" : "takes no") + " TLS context");
        }
    }
}
