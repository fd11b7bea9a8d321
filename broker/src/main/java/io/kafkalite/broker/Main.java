package io.kafkalite.broker;

import io.kafkalite.logstore.LmdbBinding;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code broker [config-file] [--override key=value]...}: runs in the foreground until SIGTERM or SIGINT. */
public final class Main {
    static {
        // before the logger below, whose set-up this overlaps: LMDB's native binding takes longest of a start
        LmdbBinding.preload();
    }

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    private Main() { }

    public static void main(String[] args) {
        long started = System.nanoTime();
        Broker broker;
        try {
            Map<String, String> props = ConfigLoader.load(Arrays.asList(args), System.getenv());
            broker = Broker.start(props);
        } catch (Exception e) {
            log.error("Broker failed to start: {}", e.getMessage() != null ? e.getMessage() : e.toString(), e);
            System.exit(1);
            return;
        }
        log.info("Started in {} ms", (System.nanoTime() - started) / 1_000_000);
        // the lines Apache Kafka logs once it serves requests: Testcontainers' KafkaContainer and scripts wait for them
        log.info("Transitioning from RECOVERY to RUNNING");
        log.info("Kafka Server started");
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "shutdown"));
    }
}
