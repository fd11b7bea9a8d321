package io.kafkalite.compat;

import java.io.FileReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

/**
 * A stand-in for a broker node in {@link ClusterProcessesTest}: reads the node's server.properties, listens on every
 * listener of {@code listeners} and swallows whatever connects, until killed.
 */
public final class FakeClusterNode {
    private FakeClusterNode() { }

    public static void main(String[] args) throws IOException, InterruptedException {
        Properties props = new Properties();
        try (FileReader r = new FileReader(args[0])) {
            props.load(r);
        }
        List<String> listeners = new ArrayList<>(List.of(props.getProperty("listeners").split(",")));
        Collections.reverse(listeners); // the client listener last: once the harness sees it, every other one is bound
        for (String listener : listeners) {
            String hostPort = listener.substring(listener.indexOf("://") + 3);
            int colon = hostPort.lastIndexOf(':');
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
            Thread t = new Thread(() -> accept(server), "accept-" + hostPort);
            t.start();
        }
        System.out.println("fake node " + props.getProperty("node.id") + " listening on " + props.getProperty("listeners"));
        Thread.currentThread().join();
    }

    private static void accept(ServerSocket server) {
        while (true) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> drain(s));
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void drain(Socket s) {
        try (s; InputStream in = s.getInputStream()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            // peer gone
        }
    }
}
