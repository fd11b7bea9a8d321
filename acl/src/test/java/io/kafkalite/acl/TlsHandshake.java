package io.kafkalite.acl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/** An in-memory TLS handshake between a JDK client engine, set up as a Kafka Java client sets it up, and a server engine. */
final class TlsHandshake {
    private TlsHandshake() { }

    /**
     * A client engine trusting {@code truststore}, presenting the certificate in {@code keystore} (or none when
     * null), and checking that the broker's certificate names localhost, as Kafka clients do by default
     * ({@code ssl.endpoint.identification.algorithm=https}).
     */
    static SSLEngine client(Path truststore, Path keystore) throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(truststore));
        KeyManagerFactory kmf = null;
        if (keystore != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(keystore), TestCertificates.PASSWORD.toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLEngine engine = context.createSSLEngine("localhost", 9093);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }

    /**
     * Runs the handshake to its end, passing each side's records to the other.
     *
     * @throws SSLException as the side that rejects the handshake throws it
     */
    static void run(SSLEngine client, SSLEngine server) throws SSLException {
        int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        int app = Math.max(client.getSession().getApplicationBufferSize(), server.getSession().getApplicationBufferSize());
        ByteBuffer clientToServer = ByteBuffer.allocate(packet * 4);
        ByteBuffer serverToClient = ByteBuffer.allocate(packet * 4);
        ByteBuffer clientApp = ByteBuffer.allocate(app);
        ByteBuffer serverApp = ByteBuffer.allocate(app);
        ByteBuffer nothing = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 100; round++) {
            client.wrap(nothing, clientToServer);
            runTasks(client);
            server.wrap(nothing, serverToClient);
            runTasks(server);
            clientToServer.flip();
            serverToClient.flip();
            boolean idle = !clientToServer.hasRemaining() && !serverToClient.hasRemaining();
            while (clientToServer.hasRemaining() && server.unwrap(clientToServer, serverApp).bytesConsumed() > 0) {
                runTasks(server);
            }
            while (serverToClient.hasRemaining() && client.unwrap(serverToClient, clientApp).bytesConsumed() > 0) {
                runTasks(client);
            }
            clientToServer.compact();
            serverToClient.compact();
            if (idle && done(client) && done(server)) {
                return;
            }
        }
        throw new IllegalStateException("The handshake did not finish in 100 rounds");
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
    }

    private static void runTasks(SSLEngine engine) {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    private static KeyStore load(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        return store;
    }
}
