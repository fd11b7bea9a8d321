package io.kafkalite.handlers.replication;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkalite.acl.TestCertificates;
import io.kafkalite.handlers.BrokerConfig;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The inter-broker client's TLS refuses a peer its trust store does not vouch for, as an authentication failure. */
@Timeout(30)
class InterBrokerClientTlsTest {
    @Test
    void anUntrustedPeerFailsAuthentication() throws Exception {
        TestCertificates certs = TestCertificates.get();
        try (SSLServerSocket server = serverWith(certs.untrustedBrokerKeystore().toString())) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket peer = (SSLSocket) server.accept()) {
                    peer.startHandshake();
                } catch (Exception expected) {
                    // the client aborts the handshake
                }
            });
            InterBrokerSecurity security = InterBrokerSecurity.of(new BrokerConfig(Map.of("listeners", "SSL://localhost:0",
                    "ssl.truststore.location", certs.truststore("PKCS12").toString(), "ssl.truststore.password", TestCertificates.PASSWORD)));
            try (InterBrokerClient client = new InterBrokerClient("test", InterBrokerClient.Limits.REQUESTS, security)) {
                SslAuthenticationException e = assertThrows(SslAuthenticationException.class,
                        () -> client.connect(new InetSocketAddress("localhost", server.getLocalPort())));
                assertTrue(e.getMessage().contains("TLS handshake with localhost"), e.getMessage());
                assertFalse(client.isConnected());
            }
            accepted.join();
        }
    }

    private static SSLServerSocket serverWith(String keystore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(keystore))) {
            store.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, TestCertificates.PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0);
    }
}
