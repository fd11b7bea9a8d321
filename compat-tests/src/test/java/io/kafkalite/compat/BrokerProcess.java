package io.kafkalite.compat;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The broker as a real subprocess (same classpath as the tests), for kill -9 tests. */
final class BrokerProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private BrokerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static BrokerProcess start(Path dataDir, int port, Path logFile) throws Exception {
        return start(dataDir, port, logFile, Map.of());
    }

    static BrokerProcess start(Path dataDir, int port, Path logFile, Map<String, String> extra) throws Exception {
        List<String> cmd = JvmProcess.command("io.kafkalite.broker.Main", List.of("-Xmx512m",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
        for (Map.Entry<String, String> e : TestBroker.props(dataDir, port, extra).entrySet()) {
            cmd.add("--override");
            cmd.add(e.getKey() + "=" + e.getValue());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
        BrokerProcess broker = new BrokerProcess(pb.start(), port);
        broker.awaitListening();
        return broker;
    }

    private void awaitListening() throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker process exited with " + process.exitValue());
            }
            try (Socket s = new Socket("localhost", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("broker did not start listening on " + port);
    }

    String bootstrap() {
        return "localhost:" + port;
    }

    /** The CPU time the broker process has used so far (user + system). */
    java.time.Duration cpu() {
        return process.info().totalCpuDuration().orElseThrow();
    }

    /** SIGKILL: no shutdown hook, no flush. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM: clean shutdown; returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }
}
