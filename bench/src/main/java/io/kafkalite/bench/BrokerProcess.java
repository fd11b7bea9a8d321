package io.kafkalite.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** One broker under test as a process: Apache Kafka (single-node KRaft) or ours, with the same heap limit. */
final class BrokerProcess implements AutoCloseable {
    final String name;
    final Process process;
    final int port;
    final long startedNanos;

    private BrokerProcess(String name, Process process, int port, long startedNanos) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.startedNanos = startedNanos;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Apache Kafka as a user would run it: KRaft combined mode, 1 GiB heap, Kafka's own GC settings. Its client
     * listener is named after its security protocol ({@code PLAINTEXT}, {@code SASL_SSL}); the KRaft controller
     * listener is always PLAINTEXT. {@code extra} are more server properties (the listener's security settings).
     */
    static BrokerProcess kafka(Path libs, Path dataDir, int port, String heap, String protocol, Map<String, String> extra) throws Exception {
        int controllerPort = port + 1;
        boolean fresh = !Files.exists(dataDir.resolve("logs").resolve("meta.properties"));
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.voters=1@localhost:" + controllerPort,
                "listeners=" + protocol + "://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                "advertised.listeners=" + protocol + "://localhost:" + port,
                "controller.listener.names=CONTROLLER", "inter.broker.listener.name=" + protocol,
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT," + protocol + ":" + protocol,
                "log.dirs=" + dataDir.resolve("logs"), "num.partitions=1",
                "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1", "group.initial.rebalance.delay.ms=0"));
        extra.forEach((k, v) -> lines.add(k + "=" + v));
        return kafka(libs, dataDir, port, heap, lines, fresh ? clusterId() : null);
    }

    /**
     * Apache Kafka with exactly these server properties ({@code lines}, "key=value"), 1 GiB heap and Kafka's own GC
     * settings; its storage formatted first ({@code kafka-storage format}) with {@code clusterId} unless that is null.
     */
    static BrokerProcess kafka(Path libs, Path dataDir, int port, String heap, List<String> lines, String clusterId) throws Exception {
        Files.createDirectories(dataDir);
        Path config = dataDir.resolve("server.properties");
        Files.write(config, lines);
        String cp = libs.resolve("*").toString();
        if (clusterId != null) {
            Process format = new ProcessBuilder(java(), "-cp", cp, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString())
                    .redirectErrorStream(true).redirectOutput(dataDir.resolve("format.log").toFile()).start();
            if (format.waitFor() != 0) {
                throw new IllegalStateException("kafka-storage format failed: " + Files.readString(dataDir.resolve("format.log")));
            }
        }
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx" + heap, "-Xms" + heap, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
                "-cp", cp, "kafka.Kafka", config.toString()));
        return start("kafka", cmd, dataDir, port, Map.of());
    }

    /**
     * Our broker as a user starts it ({@code bin/broker}, which adds its class-data-sharing archive), same heap limit, one
     * listener named after its security protocol; {@code extra} server properties go into a {@code server.properties} file.
     */
    static BrokerProcess ours(Path launcher, Path dataDir, int port, String heap, String protocol, Map<String, String> extra) throws Exception {
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        if (!extra.isEmpty()) {
            Path config = dataDir.resolve("server.properties");
            List<String> lines = new ArrayList<>();
            extra.forEach((k, v) -> lines.add(k + "=" + v));
            Files.write(config, lines);
            cmd.add(config.toString());
        }
        cmd.addAll(List.of("--override", "listeners=" + protocol + "://localhost:" + port,
                "--override", "log.dirs=" + dataDir.resolve("logs"), "--override", "group.initial.rebalance.delay.ms=0"));
        return start("ours", cmd, dataDir, port, Map.of("KAFKA_HEAP_OPTS", "-Xmx" + heap + " -Xms16m"));
    }

    /** Our broker ({@code bin/broker}) with exactly these server properties ({@code lines}, "key=value"), same heap limit. */
    static BrokerProcess ours(Path launcher, Path dataDir, int port, String heap, List<String> lines) throws Exception {
        Files.createDirectories(dataDir);
        Path config = dataDir.resolve("server.properties");
        Files.write(config, lines);
        return start("ours", List.of(launcher.toString(), config.toString()), dataDir, port, Map.of("KAFKA_HEAP_OPTS", "-Xmx" + heap + " -Xms16m"));
    }

    private static BrokerProcess start(String name, List<String> cmd, Path dataDir, int port, Map<String, String> env) throws IOException {
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve(name + ".log").toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        return new BrokerProcess(name, p, port, t0);
    }

    /** A random id as Kafka writes them, never starting with '-' (the tool would take it for an option, as Kafka's Uuid avoids). */
    static String clusterId() {
        while (true) {
            UUID u = UUID.randomUUID();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
            String id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }

    String bootstrap() {
        return "localhost:" + port;
    }

    boolean listening() {
        try (Socket s = new Socket("localhost", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** user + system CPU seconds so far, from /proc/PID/stat. */
    double cpuSeconds() throws IOException {
        String[] f = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat")).split("\\) ")[1].split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks / 100.0;
    }

    /** A field of /proc/PID/status in MiB (VmRSS now, VmHWM peak). */
    double memoryMiB(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
