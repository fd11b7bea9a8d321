package io.kafkalite.broker;

import io.kafkalite.logstore.LmdbBinding;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code broker [config-file] [--override key=value]...}: runs in the foreground until SIGTERM or SIGINT. */
public final class Main {
    static {
        beginStart(); // before the logger below
    }

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() { }

    /**
     * What a broker process does before anything else: loading LMDB's native binding, the longest part of a start,
     * on a thread of its own (it then overlaps logging's and the configuration's set-up), and the choice of the
     * logging backend.
     */
    static void beginStart() {
        LmdbBinding.preload();
        nameLoggingBackend();
    }

    /**
     * The broker's own logging backend, {@link ConsoleLogging}: named, because slf4j otherwise looks for one with a
     * ServiceLoader scan, which opens every jar on the class path (about 50 ms). A backend named on the command
     * line wins.
     */
    private static void nameLoggingBackend() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", ConsoleLogging.class.getName());
            System.setProperty("slf4j.internal.verbosity", "WARN"); // no line saying so on every start
        }
    }

    public static void main(String[] args) {
        long started = System.nanoTime();
        AutoCloseable node;
        try {
            Map<String, String> props = ConfigLoader.load(Arrays.asList(args), System.getenv());
            node = ControllerNode.isControllerOnly(props) ? ControllerNode.start(props) : Broker.start(props);
        } catch (Exception e) {
            log.error("Broker failed to start: {}", e.getMessage() != null ? e.getMessage() : e.toString(), e);
            System.exit(1);
            return;
        }
        log.info("Started in {} ms", (System.nanoTime() - started) / 1_000_000);
        // the lines Apache Kafka logs once it serves requests: Testcontainers' KafkaContainer and scripts wait for them
        log.info("Transitioning from RECOVERY to RUNNING");
        log.info("Kafka Server started");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                log.warn("Shutting down: {}", e.toString());
            }
        }, "shutdown"));
    }
}
