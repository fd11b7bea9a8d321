package io.kafkalite.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The port of a broker-only node's Ratis listener: chosen free at its first start and kept in
 * {@code <metadata dir>/listener.port}. It must stay the same: the leader reaches a listener at the address the
 * group's configuration recorded when it joined (Ratis keeps a known peer's address when it is added again).
 */
final class ListenerPort {
    private ListenerPort() { }

    static int load(Path metadataDir) throws IOException {
        Path file = metadataDir.resolve(QuorumConfig.LISTENER_PORT_FILE);
        if (Files.isRegularFile(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IOException("Not a port in " + file + ": " + text);
            }
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(metadataDir);
        Path tmp = metadataDir.resolve(QuorumConfig.LISTENER_PORT_FILE + ".tmp");
        Files.writeString(tmp, Integer.toString(port), StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return port;
    }
}
