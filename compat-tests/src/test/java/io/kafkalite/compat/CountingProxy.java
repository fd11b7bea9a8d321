package io.kafkalite.compat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * A TCP proxy in front of the broker that records the size of every request frame of one API, as the
 * broker receives it, and the bytes of their responses (advertise the proxy's port so clients keep going
 * through it).
 */
final class CountingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final ApiKeys api;
    private final List<Integer> sizes = new ArrayList<>();
    private long responseBytes;

    CountingProxy(ApiKeys api) throws IOException {
        this.server = new ServerSocket(0);
        this.api = api;
    }

    int port() {
        return server.getLocalPort();
    }

    /** The sizes of the requests of the API so far, in arrival order. */
    synchronized List<Integer> sizes() {
        return new ArrayList<>(sizes);
    }

    /** The bytes of the responses to those requests so far. */
    synchronized long responseBytes() {
        return responseBytes;
    }

    synchronized void reset() {
        sizes.clear();
        responseBytes = 0;
    }

    void start(int brokerPort) {
        daemon(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket broker = new Socket("localhost", brokerPort);
                    client.setTcpNoDelay(true);
                    broker.setTcpNoDelay(true);
                    Set<Integer> counted = ConcurrentHashMap.newKeySet();
                    daemon(() -> pump(client, broker, true, counted));
                    daemon(() -> pump(broker, client, false, counted));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    private void pump(Socket from, Socket to, boolean requests, Set<Integer> counted) {
        try (DataInputStream in = new DataInputStream(from.getInputStream());
             DataOutputStream out = new DataOutputStream(to.getOutputStream())) {
            while (true) {
                byte[] frame = new byte[in.readInt()];
                in.readFully(frame);
                ByteBuffer b = ByteBuffer.wrap(frame);
                if (requests && b.getShort(0) == api.id) {
                    counted.add(b.getInt(4));
                    synchronized (this) {
                        sizes.add(4 + frame.length);
                    }
                } else if (!requests && counted.remove(b.getInt(0))) {
                    synchronized (this) {
                        responseBytes += 4 + frame.length;
                    }
                }
                out.writeInt(frame.length);
                out.write(frame);
                out.flush();
            }
        } catch (IOException e) {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "counting-proxy");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
