package io.kafkalite.compat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * A TCP proxy in front of the broker that loses the first few Produce responses: it forwards the
 * request (so the broker appends) but closes the connection instead of delivering the answer, so the
 * producer retries a batch the broker already has.
 */
final class ResponseDroppingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger toDrop;
    private final AtomicInteger dropped = new AtomicInteger();
    private volatile int targetPort;

    ResponseDroppingProxy(int produceResponsesToDrop) throws IOException {
        server = new ServerSocket(0);
        toDrop = new AtomicInteger(produceResponsesToDrop);
    }

    int port() {
        return server.getLocalPort();
    }

    int dropped() {
        return dropped.get();
    }

    void start(int brokerPort) {
        targetPort = brokerPort;
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket broker = new Socket("localhost", targetPort);
                    Map<Integer, ApiKeys> apiByCorrelation = new ConcurrentHashMap<>();
                    daemon(() -> pumpRequests(client, broker, apiByCorrelation));
                    daemon(() -> pumpResponses(broker, client, apiByCorrelation));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
    }

    private void pumpRequests(Socket from, Socket to, Map<Integer, ApiKeys> apiByCorrelation) {
        try (DataInputStream in = new DataInputStream(from.getInputStream());
             DataOutputStream out = new DataOutputStream(to.getOutputStream())) {
            while (true) {
                byte[] frame = new byte[in.readInt()];
                in.readFully(frame);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(frame);
                apiByCorrelation.put(b.getInt(4), ApiKeys.forId(b.getShort(0)));
                out.writeInt(frame.length);
                out.write(frame);
                out.flush();
            }
        } catch (IOException e) {
            closeQuietly(from, to);
        }
    }

    private void pumpResponses(Socket from, Socket to, Map<Integer, ApiKeys> apiByCorrelation) {
        try (DataInputStream in = new DataInputStream(from.getInputStream());
             DataOutputStream out = new DataOutputStream(to.getOutputStream())) {
            while (true) {
                byte[] frame = new byte[in.readInt()];
                in.readFully(frame);
                int correlationId = java.nio.ByteBuffer.wrap(frame).getInt(0);
                if (apiByCorrelation.remove(correlationId) == ApiKeys.PRODUCE && toDrop.getAndDecrement() > 0) {
                    dropped.incrementAndGet();
                    closeQuietly(from, to);
                    return;
                }
                out.writeInt(frame.length);
                out.write(frame);
                out.flush();
            }
        } catch (IOException e) {
            closeQuietly(from, to);
        }
    }

    private static void closeQuietly(Socket a, Socket b) {
        try {
            a.close();
            b.close();
        } catch (IOException ignored) {
            // already closed: nothing left to release
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
